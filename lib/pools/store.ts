import { MongoServerError } from 'mongodb';
import type { PoolScope } from '../codes/model.ts';
import type { ServiceEvent } from '../events/details.ts';
import { poolsCollection } from '../mongo/collections.ts';
import { dbCall } from '../mongo/instrument.ts';
import { type PoolDocument, poolId } from './model.ts';

/** The `pools` datastore: settings, the sweep's conditional alert updates, and the event outbox. */

export async function findPool(scope: PoolScope): Promise<PoolDocument | null> {
  const pools = await poolsCollection();
  return dbCall('pools.find', () => pools.findOne({ _id: poolId(scope) }));
}

const DUPLICATE_KEY = 11000;

/**
 * Sets a pool's threshold, creating its document when needed. A new threshold is a new ladder: every
 * level is armed again. Setting the same threshold again changes nothing (the alert state stays).
 */
export async function setThreshold(scope: PoolScope, threshold: number | null, now: Date): Promise<void> {
  const pools = await poolsCollection();
  const _id = poolId(scope);
  for (;;) {
    const changed = await dbCall('pools.setThreshold', () =>
      pools.updateOne(
        { _id, lowStockThreshold: { $ne: threshold } },
        { $set: { lowStockThreshold: threshold, alertedLevel: null, updatedAt: now }, $inc: { revision: 1 } },
      ),
    );
    if (changed.matchedCount === 1) return;
    try {
      // No document, or one with this threshold already (then this is a no-op).
      await dbCall('pools.create', () =>
        pools.updateOne(
          { _id },
          {
            $setOnInsert: {
              lowStockThreshold: threshold,
              alertedLevel: null,
              revision: 1,
              pendingEvents: [],
              updatedAt: now,
            },
          },
          { upsert: true },
        ),
      );
      return;
    } catch (error) {
      // A concurrent PUT created the document first: apply ours over it.
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    }
  }
}

/** Every pool with a low-stock threshold (the pools collection is small: one document per pool). */
export async function poolsWithThreshold(): Promise<PoolDocument[]> {
  const pools = await poolsCollection();
  return dbCall('pools.withThreshold', () => pools.find({ lowStockThreshold: { $gte: 0 } }).toArray());
}

/**
 * Moves a pool's alert state from the revision the sweep read to `alertedLevel`, and puts the event
 * to publish (if any) in the outbox, in one conditional update. False when the pool changed since it
 * was read (another sweep claimed this crossing, or a PUT changed the threshold): nothing to do.
 */
export async function claimAlertState(
  pool: PoolDocument,
  alertedLevel: number | null,
  event: ServiceEvent | undefined,
  lastAlert: PoolDocument['lastAlert'] | undefined,
  now: Date,
): Promise<boolean> {
  const pools = await poolsCollection();
  const result = await dbCall('pools.claimAlertState', () =>
    pools.updateOne(
      { _id: pool._id, revision: pool.revision },
      {
        $set: { alertedLevel, updatedAt: now, ...(lastAlert ? { lastAlert } : {}) },
        $inc: { revision: 1 },
        ...(event ? { $push: { pendingEvents: event } } : {}),
      },
    ),
  );
  return result.modifiedCount === 1;
}

/** Takes a published event out of the pool's outbox. */
export async function clearPendingEvent(id: PoolDocument['_id'], eventId: string): Promise<void> {
  const pools = await poolsCollection();
  await dbCall('pools.clearPendingEvent', () =>
    pools.updateOne({ _id: id }, { $pull: { pendingEvents: { 'detail.eventId': eventId } } }),
  );
}
