/**
 * Secondary indexes: spec validation/normalisation (as createIndexes sees them) and the in-memory
 * structure that answers equality on an index's leading fields without scanning.
 *
 * Structure: a hash trie with one level per indexed field. Each level maps the canonical key of
 * a field value (see valueKey) to the next level; the last level holds the set of `_id` keys of
 * the documents with exactly that tuple. A query with equality on the first k fields walks k
 * hash lookups and then only visits documents below that node. Missing fields and explicit
 * nulls get separate buckets ('m' and 'z') so `$exists` can be decided per bucket. Documents
 * whose indexed path holds or crosses an array are kept in a separate `multikey` set, scanned
 * with the full filter on every use of the index (a hash bucket cannot stand for "any element").
 * Documents lacking every indexed field are left out (except for unique non-sparse indexes,
 * where they collide as nulls), like a sparse index: `{ reserveId: 1 }` then holds only the
 * reserved codes, and the planner does not use such an index for a query that could match a
 * document without those fields.
 */
import { compare } from 'mingo/util';
import sortedBtree from 'sorted-btree';
import { assertSimpleCollation } from './collation.ts';
import { CommandError, duplicateKeyError, ErrorCodes, formatValue } from './errors.ts';
import { compileFilter, type Matcher } from './mingo-bridge.ts';
import {
  type Document,
  indexPathValue,
  isPlainObject,
  isTruthy,
  MISSING,
  MULTIKEY,
  toNumber,
  valueKey,
} from './values.ts';

export const ID_INDEX_NAME = '_id_';
export const ID_INDEX_SPEC: Readonly<Document> = Object.freeze({
  v: 2,
  key: { _id: 1 },
  name: ID_INDEX_NAME,
});

/** Bucket key for a missing field; valueKey never produces it. */
export const MISSING_BUCKET = 'm';
/** Bucket key for null (and the deprecated undefined). */
export const NULL_BUCKET = 'z';

export function bucketKey(value: unknown): string {
  return value === MISSING ? MISSING_BUCKET : valueKey(value);
}

/**
 * Whether every document in a bucket has a value of the same BSON type and value, so a predicate
 * evaluated on the bucket's representative value holds for all of them. Number buckets mix int,
 * long and double (equal as keys, different under $type) and documents can differ in nested
 * numeric types, so they are not exact.
 */
export function isExactBucket(key: string): boolean {
  const tag = key.charCodeAt(0);
  // m(issing) z(null) "string t(rue) f(alse) d(ate) o(bjectId)
  return tag === 109 || tag === 122 || tag === 34 || tag === 116 || tag === 102 || tag === 100 || tag === 111;
}

export interface TrieChild {
  /** A value of this bucket (MISSING for the missing bucket): what predicates are tested against. */
  rep: unknown;
  /** Number of documents below this bucket: lets the planner compare indexes by selectivity. */
  count: number;
  next: TrieNode | Set<string>;
}

// A CommonJS module: its class is `default` under Node's ESM interop, the import itself under bundlers'.
const BTree: typeof sortedBtree.default =
  (sortedBtree as unknown as { default?: typeof sortedBtree.default }).default ??
  (sortedBtree as unknown as typeof sortedBtree.default);
type OrderKey = readonly [value: unknown, bucket: string];

/** BSON order of the buckets' values (a missing field sorts as null); the bucket key breaks ties. */
function compareOrderKeys(a: OrderKey, b: OrderKey): number {
  const byValue = compare(a[0] === MISSING ? null : a[0], b[0] === MISSING ? null : b[0]);
  if (byValue !== 0) return byValue;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/**
 * One level of the trie: buckets by key (hash lookups). Its buckets in value order — what a range
 * scan from a cursor key walks (see orderedChildren) — are kept in a B+ tree built on the first
 * ordered walk of the node and maintained from then on, so nodes never walked in order (most of
 * them) cost nothing extra on writes.
 */
export class TrieNode extends Map<string, TrieChild> {
  #order: InstanceType<typeof BTree<OrderKey, TrieChild>> | undefined;

  override set(bucket: string, child: TrieChild): this {
    super.set(bucket, child);
    this.#order?.set([child.rep, bucket], child);
    return this;
  }

  override delete(bucket: string): boolean {
    const child = this.get(bucket);
    if (child) this.#order?.delete([child.rep, bucket]);
    return super.delete(bucket);
  }

  /**
   * The buckets in ascending (or descending) value order, starting at `from` (inclusive) when
   * given: O(log n) to find the start, then one step per bucket.
   */
  *orderedChildren(direction: 1 | -1, from?: { value: unknown }): Generator<[string, TrieChild]> {
    this.#order ??= new BTree<OrderKey, TrieChild>(
      [...super.entries()].map(([bucket, child]): [OrderKey, TrieChild] => [[child.rep, bucket], child]),
      compareOrderKeys,
    );
    // '' sorts before and '\uffff' after every bucket key, so a bound takes every bucket of its value.
    const entries =
      direction === 1
        ? this.#order.entries(from && [from.value, ''])
        : this.#order.entriesReversed(from && [from.value, '\uffff']);
    for (const [[, bucket], child] of entries) yield [bucket, child];
  }
}

const KNOWN_SPEC_FIELDS = new Set([
  'key',
  'name',
  'v',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'hidden',
  'collation',
  'background',
  'ns',
  'storageEngine',
]);

/** Options that make two specs with the same key pattern different indexes. */
const COMPARED_OPTIONS = [
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'collation',
] as const;

export function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(toNumber(direction) ?? direction)}`)
    .join('_');
}

/** Validates a createIndexes entry and returns it as listIndexes shows it: `{ v: 2, key, name, ...options }`. */
export function normalizeIndexSpec(raw: unknown): Document {
  if (!isPlainObject(raw)) {
    throw new CommandError(ErrorCodes.TypeMismatch, 'Each index specification must be an object');
  }
  const key = raw.key;
  if (!isPlainObject(key) || Object.keys(key).length === 0) {
    throw new CommandError(ErrorCodes.CannotCreateIndex, 'Index keys cannot be empty.');
  }
  const normalizedKey: Document = {};
  for (const [field, direction] of Object.entries(key)) {
    if (!field || field.startsWith('$') || field.split('.').some((part) => !part)) {
      throw new CommandError(
        ErrorCodes.CannotCreateIndex,
        `Index key contains an illegal field name: '${field}'`,
      );
    }
    const numeric = toNumber(direction);
    if (numeric !== undefined && numeric !== 0 && Number.isFinite(numeric)) {
      normalizedKey[field] = numeric;
    } else if (direction === 'hashed') {
      normalizedKey[field] = direction;
    } else if (typeof direction === 'string') {
      throw new CommandError(
        ErrorCodes.CannotCreateIndex,
        `Index type '${direction}' is not supported by the embedded MongoDB server (only ascending/descending/hashed)`,
      );
    } else {
      throw new CommandError(
        ErrorCodes.CannotCreateIndex,
        `Values in the index key pattern can't be ${formatValue(direction)}`,
      );
    }
  }
  for (const field of Object.keys(raw)) {
    if (!KNOWN_SPEC_FIELDS.has(field)) {
      throw new CommandError(
        ErrorCodes.InvalidIndexSpecificationOption,
        `The field '${field}' is not valid for an index specification. Specification: ${formatValue(raw)}`,
      );
    }
  }
  const name = raw.name === undefined ? defaultIndexName(normalizedKey) : raw.name;
  if (typeof name !== 'string' || !name) {
    throw new CommandError(ErrorCodes.TypeMismatch, 'The index name must be a non-empty string');
  }
  if (raw.partialFilterExpression !== undefined && !isPlainObject(raw.partialFilterExpression)) {
    throw new CommandError(ErrorCodes.TypeMismatch, 'The partialFilterExpression must be an object');
  }
  assertSimpleCollation(raw.collation, `index '${name}'`);
  const spec: Document = { v: 2, key: normalizedKey, name };
  for (const [field, value] of Object.entries(raw)) {
    if (field === 'key' || field === 'name' || field === 'v' || field === 'background' || field === 'ns') {
      continue;
    }
    spec[field] = value;
  }
  return spec;
}

/** Identity of a spec's behaviour-changing options, with false/absent treated alike. */
export function optionsSignature(spec: Document): string {
  const signature: Document = {};
  for (const option of COMPARED_OPTIONS) {
    const value = spec[option];
    if (option === 'unique' || option === 'sparse') {
      if (isTruthy(value)) signature[option] = true;
    } else if (value !== undefined) {
      signature[option] = value;
    }
  }
  return valueKey(signature);
}

export function sameKeyPattern(a: Document, b: Document): boolean {
  return valueKey(a) === valueKey(b);
}

interface IndexKey {
  keys: string[];
  values: unknown[];
}

export class SecondaryIndex {
  readonly spec: Document;
  readonly name: string;
  readonly fields: readonly string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  /** Whether documents missing every indexed field are stored (see module comment). */
  readonly storesAllMissing: boolean;
  readonly root = new TrieNode();
  /** `_id` keys of documents with an array on an indexed path (see module comment). */
  readonly multikey = new Set<string>();
  readonly #segments: readonly string[][];
  readonly #partial: Matcher | undefined;

  constructor(spec: Document) {
    this.spec = spec;
    this.name = spec.name as string;
    this.fields = Object.keys(spec.key as Document);
    this.#segments = this.fields.map((field) => field.split('.'));
    this.unique = isTruthy(spec.unique);
    this.sparse = isTruthy(spec.sparse);
    this.storesAllMissing = this.unique && !this.sparse;
    this.#partial = isPlainObject(spec.partialFilterExpression)
      ? compileFilter(spec.partialFilterExpression)
      : undefined;
  }

  keyOf(doc: Document): IndexKey | typeof MULTIKEY {
    const keys: string[] = [];
    const values: unknown[] = [];
    for (const segments of this.#segments) {
      const value = indexPathValue(doc, segments);
      if (value === MULTIKEY) return MULTIKEY;
      keys.push(bucketKey(value));
      values.push(value);
    }
    return { keys, values };
  }

  add(idKey: string, doc: Document): void {
    this.#insert(idKey, this.keyOf(doc));
  }

  remove(idKey: string, doc: Document): void {
    this.#delete(idKey, this.keyOf(doc));
  }

  /** Moves a document between buckets only when an indexed value changed. */
  replace(idKey: string, oldDoc: Document, newDoc: Document): void {
    const before = this.keyOf(oldDoc);
    const after = this.keyOf(newDoc);
    if (before !== MULTIKEY && after !== MULTIKEY && sameKeys(before.keys, after.keys)) return;
    this.#delete(idKey, before);
    this.#insert(idKey, after);
  }

  /**
   * Throws E11000 when `doc` would collide with another document on this unique index. Missing
   * and null collide, as in mongod (both index as null); sparse indexes skip documents lacking
   * every indexed field; partial indexes only constrain documents matching their filter.
   */
  assertUnique(
    namespace: string,
    idKey: string,
    doc: Document,
    lookup: (idKey: string) => Document | undefined,
  ): void {
    if (!this.unique || !this.#covers(doc)) return;
    const key = this.keyOf(doc);
    if (key === MULTIKEY) return;
    for (const otherId of this.#exactMatches(key.keys)) {
      if (otherId === idKey) continue;
      const other = lookup(otherId);
      if (!other || !this.#covers(other)) continue;
      const keyValue: Document = {};
      this.fields.forEach((field, i) => {
        const value = key.values[i];
        keyValue[field] = value === MISSING ? null : value;
      });
      throw duplicateKeyError(namespace, this.name, this.spec.key as Document, keyValue);
    }
  }

  #covers(doc: Document): boolean {
    if (this.#partial && !this.#partial.test(doc)) return false;
    if (this.sparse) {
      return this.#segments.some((segments) => indexPathValue(doc, segments) !== MISSING);
    }
    return true;
  }

  *#exactMatches(keys: string[]): Generator<string> {
    const walk = function* (node: TrieNode, depth: number): Generator<string> {
      const key = keys[depth]!;
      const variants = key === MISSING_BUCKET || key === NULL_BUCKET ? [MISSING_BUCKET, NULL_BUCKET] : [key];
      for (const variant of variants) {
        const child = node.get(variant);
        if (!child) continue;
        if (child.next instanceof Set) yield* child.next;
        else yield* walk(child.next, depth + 1);
      }
    };
    yield* walk(this.root, 0);
  }

  #skips(key: IndexKey): boolean {
    return !this.storesAllMissing && key.keys.every((bucket) => bucket === MISSING_BUCKET);
  }

  #insert(idKey: string, key: IndexKey | typeof MULTIKEY): void {
    if (key === MULTIKEY) {
      this.multikey.add(idKey);
      return;
    }
    if (this.#skips(key)) return;
    const chain: TrieChild[] = [];
    let node = this.root;
    const last = key.keys.length - 1;
    for (let depth = 0; depth <= last; depth++) {
      const bucket = key.keys[depth]!;
      let child = node.get(bucket);
      if (!child) {
        child = {
          rep: key.values[depth],
          count: 0,
          next: depth === last ? new Set<string>() : new TrieNode(),
        };
        node.set(bucket, child);
      }
      chain.push(child);
      if (child.next instanceof Set) {
        const before = child.next.size;
        child.next.add(idKey);
        if (child.next.size === before) return;
      } else {
        node = child.next;
      }
    }
    for (const child of chain) child.count++;
  }

  #delete(idKey: string, key: IndexKey | typeof MULTIKEY): void {
    if (key === MULTIKEY) {
      this.multikey.delete(idKey);
      return;
    }
    if (this.#skips(key)) return;
    const path: Array<[TrieNode, string, TrieChild]> = [];
    let node = this.root;
    for (const bucket of key.keys) {
      const child = node.get(bucket);
      if (!child) return;
      path.push([node, bucket, child]);
      if (child.next instanceof Set) {
        if (!child.next.delete(idKey)) return;
        break;
      }
      node = child.next;
    }
    // Prune emptied buckets so short-lived values (e.g. reservation timestamps) do not pile up.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, bucket, child] = path[i]!;
      if (--child.count === 0) parent.delete(bucket);
    }
  }

  /** Documents below the buckets an equality prefix selects (plus the multikey ones). */
  estimate(prefixKeys: readonly (readonly string[])[]): number {
    let nodes: TrieNode[] = [this.root];
    let count = 0;
    if (!prefixKeys.length) {
      for (const child of this.root.values()) count += child.count;
      return count + this.multikey.size;
    }
    prefixKeys.forEach((keys, depth) => {
      const next: TrieNode[] = [];
      for (const node of nodes) {
        for (const key of keys) {
          const child = node.get(key);
          if (!child) continue;
          if (depth === prefixKeys.length - 1) count += child.count;
          else if (!(child.next instanceof Set)) next.push(child.next);
        }
      }
      nodes = next;
    });
    return count + this.multikey.size;
  }

  /** Rebuilds from scratch (createIndexes on a populated collection); throws on a unique violation. */
  build(namespace: string, docs: Map<string, Document>): void {
    for (const [idKey, doc] of docs) {
      this.assertUnique(namespace, idKey, doc, (id) => docs.get(id));
      this.add(idKey, doc);
    }
  }
}

function sameKeys(a: string[], b: string[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
