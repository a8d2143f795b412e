/**
 * One collection's documents and indexes. Documents live in a Map keyed by the canonical key of
 * their `_id` (valueKey), so `_id` lookups are O(1) and the Map's insertion order is the natural
 * order. Every write goes through insert/replace/remove here so secondary indexes and unique
 * constraints stay in step with the documents.
 *
 * Stored documents are never mutated: an update builds a new document (from a deep copy) and
 * swaps it in, so cursors, indexes and concurrent readers never see a half-applied update.
 */
import { calculateObjectSize, UUID } from 'bson';
import { CommandError, duplicateKeyError, ErrorCodes } from './errors.ts';
import { ID_INDEX_NAME, ID_INDEX_SPEC, SecondaryIndex } from './indexes.ts';
import type { ChangeLog } from './storage.ts';
import { type Document, isPlainObject, valueKey } from './values.ts';

export const MAX_BSON_SIZE = 16 * 1024 * 1024;

export class Collection {
  readonly database: string;
  readonly name: string;
  readonly namespace: string;
  readonly uuid = new UUID();
  readonly options: Document;
  readonly docs = new Map<string, Document>();
  readonly indexes: SecondaryIndex[] = [];
  /** Where applied changes are reported (the storage's journal, when it has one). */
  readonly #log: { readonly changeLog: ChangeLog | undefined };

  constructor(
    database: string,
    name: string,
    options: Document = {},
    log: { readonly changeLog: ChangeLog | undefined } = { changeLog: undefined },
  ) {
    this.database = database;
    this.name = name;
    this.namespace = `${database}.${name}`;
    this.options = options;
    this.#log = log;
  }

  /** Index specs as listIndexes returns them, `_id_` first. */
  indexSpecs(): Document[] {
    return [ID_INDEX_SPEC, ...this.indexes.map((index) => index.spec)];
  }

  findIndex(name: string): SecondaryIndex | undefined {
    return this.indexes.find((index) => index.name === name);
  }

  get(idKey: string): Document | undefined {
    return this.docs.get(idKey);
  }

  /** Inserts a document whose `_id` is set and first. Throws E11000 on a duplicate. */
  insert(doc: Document): string {
    assertValidId(doc._id);
    const idKey = valueKey(doc._id);
    if (this.docs.has(idKey)) {
      throw duplicateKeyError(this.namespace, ID_INDEX_NAME, { _id: 1 }, { _id: doc._id });
    }
    const lookup = this.#lookup;
    for (const index of this.indexes) index.assertUnique(this.namespace, idKey, doc, lookup);
    this.docs.set(idKey, doc);
    for (const index of this.indexes) index.add(idKey, doc);
    this.#log.changeLog?.record({ o: 'insert', db: this.database, c: this.name, doc });
    return idKey;
  }

  /** Swaps in the updated version of a document (same `_id`), keeping its natural-order position. */
  replace(idKey: string, oldDoc: Document, newDoc: Document): void {
    if (calculateObjectSize(newDoc) > MAX_BSON_SIZE) {
      throw new CommandError(17419, `Resulting document after update is larger than ${MAX_BSON_SIZE}`);
    }
    const lookup = this.#lookup;
    for (const index of this.indexes) index.assertUnique(this.namespace, idKey, newDoc, lookup);
    this.docs.set(idKey, newDoc);
    for (const index of this.indexes) index.replace(idKey, oldDoc, newDoc);
    this.#log.changeLog?.record({ o: 'replace', db: this.database, c: this.name, doc: newDoc });
  }

  remove(idKey: string): boolean {
    const doc = this.docs.get(idKey);
    if (doc === undefined) return false;
    this.docs.delete(idKey);
    for (const index of this.indexes) index.remove(idKey, doc);
    this.#log.changeLog?.record({ o: 'delete', db: this.database, c: this.name, id: doc._id });
    return true;
  }

  /** Builds and registers an index; a unique violation in existing data aborts the build. */
  addIndex(spec: Document): SecondaryIndex {
    const index = new SecondaryIndex(spec);
    index.build(this.namespace, this.docs);
    this.indexes.push(index);
    this.#log.changeLog?.record({ o: 'createIndex', db: this.database, c: this.name, spec });
    return index;
  }

  dropIndex(name: string): boolean {
    const position = this.indexes.findIndex((index) => index.name === name);
    if (position < 0) return false;
    this.indexes.splice(position, 1);
    this.#log.changeLog?.record({ o: 'dropIndex', db: this.database, c: this.name, name });
    return true;
  }

  readonly #lookup = (idKey: string): Document | undefined => this.docs.get(idKey);
}

/** The `_id` restrictions mongod enforces on insert. */
export function assertValidId(id: unknown): void {
  if (id === undefined) {
    throw new CommandError(ErrorCodes.InvalidIdField, "The '_id' value cannot be undefined");
  }
  if (Array.isArray(id)) {
    throw new CommandError(ErrorCodes.InvalidIdField, "The '_id' value cannot be of type array");
  }
  if (id instanceof RegExp) {
    throw new CommandError(ErrorCodes.InvalidIdField, "The '_id' value cannot be of type regex");
  }
  if (isPlainObject(id)) {
    const keys = Object.keys(id);
    // A DBRef ({ $ref, $id, $db? }) is the one $-prefixed shape mongod stores.
    const dbRef =
      keys[0] === '$ref' && keys[1] === '$id' && keys.length <= 3 && (keys.length < 3 || keys[2] === '$db');
    const dollar = dbRef ? undefined : keys.find((key) => key.startsWith('$'));
    if (dollar !== undefined) {
      throw new CommandError(
        ErrorCodes.DollarPrefixedFieldName,
        `_id fields may not contain '$'-prefixed fields: ${dollar} is not valid for storage.`,
      );
    }
  }
}
