/**
 * In-memory catalog: databases → collections. Nothing is persisted; stopping the server loses
 * every document (by design: it exists for local runs and tests).
 */
import { Collection } from './collection.ts';
import { CommandError, ErrorCodes } from './errors.ts';
import type { Document } from './values.ts';

export class Storage {
  readonly #databases = new Map<string, Map<string, Collection>>();

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
    const collection = new Collection(database, name, options);
    collections.set(name, collection);
    return collection;
  }

  dropCollection(database: string, name: string): Collection | undefined {
    const collections = this.#databases.get(database);
    const collection = collections?.get(name);
    if (!collections || !collection) return undefined;
    collections.delete(name);
    if (collections.size === 0) this.#databases.delete(database);
    return collection;
  }

  dropDatabase(database: string): Collection[] {
    const collections = this.#databases.get(database);
    this.#databases.delete(database);
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
