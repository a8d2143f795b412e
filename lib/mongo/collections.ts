import type { Collection, Db, IndexDescription } from 'mongodb';
import { type CodeDocument, RESERVATION_TTL_MS, type ReservationClaim } from '../codes/model.ts';
import { logger } from '../observability.ts';
import type { PoolDocument } from '../pools/model.ts';
import { getDb } from './client.ts';

/**
 * Indexes are created idempotently (createIndexes is a no-op when they exist) once per container,
 * before the first use of a collection: a round trip per index per cold start, and a fresh database
 * (a new environment, the embedded server) is always ready without a migration step.
 */
export const CODE_INDEXES: IndexDescription[] = [
  // Default (key-derived) names, so the indexes the previous service created are recognised as the same.
  // Serves every status query: equality on campaign + type, then the two dates.
  { key: { '_id.campaign_id': 1, type: 1, 'date.assigned': 1, 'date.reserved': 1 } },
  // Serves reservation read-back, idempotent retries and release by reserveId.
  { key: { reserveId: 1 } },
  // Route 8's keyset paging (contract §4): a campaign's codes in code order, so a page is a range
  // scan from the cursor's code — O(page), however deep. `_id.code` never changes, so a walk sees
  // every code exactly once. Status and type filters are checked on the scanned entries.
  { key: { '_id.campaign_id': 1, '_id.code': 1 } },
  // Route 8 with `reserveId`: one reservation's codes in code order, the same way.
  { key: { reserveId: 1, '_id.campaign_id': 1, '_id.code': 1 } },
];

/** The index each route 8 walk pages along (passed as a hint, so mongod never picks a sort plan). */
export const CODE_PAGING_INDEX = { '_id.campaign_id': 1, '_id.code': 1 } as const;
export const RESERVATION_PAGING_INDEX = { reserveId: 1, '_id.campaign_id': 1, '_id.code': 1 } as const;

/** MongoDB's answers when an index with the same keys exists under another name or options. */
const INDEX_CONFLICT_CODES = new Set([85, 86]); // IndexOptionsConflict, IndexKeySpecsConflict

/**
 * An existing index with the same keys (e.g. created by the previous service under another name)
 * serves the queries just as well: it must not fail every cold start.
 */
const tolerateExistingIndex = (collection: string) => async (error: unknown) => {
  // The driver's module is loaded lazily (lib/mongo/client.ts); by now it has been.
  const { MongoServerError } = await import('mongodb');
  if (!(error instanceof MongoServerError) || !INDEX_CONFLICT_CODES.has(Number(error.code))) throw error;
  logger.warn('An index exists with other options; keeping it', { collection, error: error.message });
  return [];
};

function withIndexes<T extends object>(
  name: string,
  indexes: IndexDescription[],
): () => Promise<Collection<T>> {
  let ready: Promise<Collection<T>> | undefined;
  const prepare = async (): Promise<Collection<T>> => {
    const db: Db = await getDb();
    const collection = db.collection<T>(name);
    // One command per index: createIndexes fails as a whole when one of its indexes conflicts.
    for (const index of indexes) await collection.createIndexes([index]).catch(tolerateExistingIndex(name));
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

/** Claims expire with the reservations they guard (TTL), so the collection stays small. */
export const reservationClaimsCollection = withIndexes<ReservationClaim>('reservation_claims', [
  { key: { claimedAt: 1 }, expireAfterSeconds: RESERVATION_TTL_MS / 1000 },
]);

/** One small document per pool (contract §6b); the sweep reads the pools that have a threshold. */
export const poolsCollection = withIndexes<PoolDocument>('pools', [{ key: { lowStockThreshold: 1 } }]);
export { withIndexes };
