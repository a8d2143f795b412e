/**
 * Shared setup for the MongoDB conformance suite: a driver client on MONGODB_URI (the embedded
 * server, or a real mongod when MONGODB_URI is set before the run) and this file's database.
 */
import { type Db, MongoClient, type MongoClientOptions } from 'mongodb';
import { afterAll, beforeAll } from 'vitest';

export interface TestDb {
  client: MongoClient;
  db: Db;
}

/** Connects before the file's tests and drops the file's database afterwards. */
export function useTestDb(options: MongoClientOptions = {}): TestDb {
  const handle = {} as TestDb;
  beforeAll(async () => {
    handle.client = new MongoClient(process.env.MONGODB_URI!, options);
    await handle.client.connect();
    handle.db = handle.client.db(process.env.MONGODB_DB);
  });
  afterAll(async () => {
    await handle.db?.dropDatabase();
    await handle.client?.close();
  });
  return handle;
}

/** Rejection of a promise, for asserting on server errors. */
export async function errorOf(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the operation to fail');
}
