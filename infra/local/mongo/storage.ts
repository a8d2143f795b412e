/**
 * The catalog: databases → collections, all in memory. When the server has a data directory,
 * every change is also reported to a ChangeLog (the journal, persistence.ts) as it is made;
 * without one nothing outlives the process (tests).
 */
import { Collection } from './collection.ts';
import { CommandError, ErrorCodes } from './errors.ts';
import type { Document } from './values.ts';

/**
 * One change to the stored state, as the journal records it. Documents are recorded whole
 * (an update records the new version), so replaying a change never re-evaluates an operator.
 */
export type Change =
  | { o: 'createCollection'; db: string; c: string; options: Document }
  | { o: 'dropCollection'; db: string; c: string }
  | { o: 'dropDatabase'; db: string }
  | { o: 'createIndex'; db: string; c: string; spec: Document }
  | { o: 'dropIndex'; db: string; c: string; name: string }
  | { o: 'insert'; db: string; c: string; doc: Document }
  | { o: 'replace'; db: string; c: string; doc: Document }
  | { o: 'delete'; db: string; c: string; id: unknown };

export interface ChangeLog {
  record(change: Change): void;
}

export class Storage {
  readonly #databases = new Map<string, Map<string, Collection>>();
  /** Receives every change once it has been applied; unset while a journal is being replayed. */
  changeLog: ChangeLog | undefined;

  getCollection(database: string, name: string): Collection | undefined {
    return this.#databases.get(database)?.get(name);
  }

  /** Collections are created implicitly by the first write, as in MongoDB. */
  ensureCollection(database: string, name: string): { collection: Collection; created: boolean } {
    const existing = this.getCollection(database, name);
    if (existing) return { collection: existing, created: false };
    return { collection: this.createCollection(database, name, {}), created: true };
  }

  createCollection(database: string, name: string, options: Document): Collection {
    assertValidDatabaseName(database);
    assertValidCollectionName(name);
    let collections = this.#databases.get(database);
    if (!collections) {
      collections = new Map();
      this.#databases.set(database, collections);
    }
    if (collections.has(name)) {
      throw new CommandError(ErrorCodes.NamespaceExists, `Collection ${database}.${name} already exists.`);
    }
    const collection = new Collection(database, name, options, this);
    collections.set(name, collection);
    this.changeLog?.record({ o: 'createCollection', db: database, c: name, options });
    return collection;
  }

  dropCollection(database: string, name: string): Collection | undefined {
    const collections = this.#databases.get(database);
    const collection = collections?.get(name);
    if (!collections || !collection) return undefined;
    collections.delete(name);
    if (collections.size === 0) this.#databases.delete(database);
    this.changeLog?.record({ o: 'dropCollection', db: database, c: name });
    return collection;
  }

  dropDatabase(database: string): Collection[] {
    const collections = this.#databases.get(database);
    this.#databases.delete(database);
    if (collections) this.changeLog?.record({ o: 'dropDatabase', db: database });
    return collections ? [...collections.values()] : [];
  }

  listCollections(database: string): Collection[] {
    return [...(this.#databases.get(database)?.values() ?? [])];
  }

  listDatabases(): string[] {
    return [...this.#databases.keys()];
  }
}

export function assertValidDatabaseName(name: string): void {
  if (!name || /[/\\. "$\0]/.test(name) || name.length >= 64) {
    throw new CommandError(ErrorCodes.InvalidNamespace, `Invalid database name: '${name}'`);
  }
}

export function assertValidCollectionName(name: unknown): asserts name is string {
  if (
    typeof name !== 'string' ||
    !name ||
    name.includes('\0') ||
    name.includes('$') ||
    name.startsWith('.')
  ) {
    throw new CommandError(ErrorCodes.InvalidNamespace, `Invalid collection name: ${String(name)}`);
  }
}
