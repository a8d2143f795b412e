import type { Collection, Db, IndexDescription } from 'mongodb';
import type { CodeDocument } from '../codes/model.ts';
import { getDb } from './client.ts';

/**
 * Indexes are created idempotently (createIndexes is a no-op when they exist) once per container,
 * before the first use of a collection: one extra round trip per cold start, and a fresh database
 * (a new environment, the embedded server) is always ready without a migration step.
 */
export const CODE_INDEXES: IndexDescription[] = [
  // Default (key-derived) names, so the indexes the previous service created are recognised as the same.
  // Serves every status query: equality on campaign + type, then the two dates.
  { key: { '_id.campaign_id': 1, type: 1, 'date.assigned': 1, 'date.reserved': 1 } },
  // Serves reservation read-back, idempotent retries and release by reserveId.
  { key: { reserveId: 1 } },
];

function withIndexes<T extends object>(
  name: string,
  indexes: IndexDescription[],
): () => Promise<Collection<T>> {
  let ready: Promise<Collection<T>> | undefined;
  const prepare = async (): Promise<Collection<T>> => {
    const db: Db = await getDb();
    const collection = db.collection<T>(name);
    if (indexes.length > 0) await collection.createIndexes(indexes);
    return collection;
  };
  return () => {
    ready ??= prepare().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}

export const codesCollection = withIndexes<CodeDocument>('codes', CODE_INDEXES);
export { withIndexes };
