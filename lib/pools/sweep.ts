import { createHash } from 'node:crypto';
import { countAvailableUpTo } from '../codes/store.ts';
import { DetailType, type ServiceEvent } from '../events/details.ts';
import { publishEvents } from '../events/publisher.ts';
import { logger } from '../observability.ts';
import { nextAlertState, type PoolDocument } from './model.ts';
import { claimAlertState, clearPendingEvent, poolsWithThreshold } from './store.ts';

/**
 * The low-stock sweep (contract §6b), run on a schedule off the request path. Per pool with a
 * threshold T it counts available codes up to T + 1 — one database command whose cost follows T,
 * not the pool's size — and only when the alert state changes, one conditional update of the pool
 * document (claiming the crossing and putting the event in the pool's outbox) before publishing.
 */

/** Pools looked at concurrently: enough to hide round trips, within the client's connection pool. */
const SWEEP_CONCURRENCY = 4;
/**
 * An outbox entry older than this was left by a sweep that died or could not publish: publish it
 * again (same eventId). Younger ones belong to a sweep still running; republishing them would send
 * a level twice whenever two sweeps overlap.
 */
export const REPUBLISH_AFTER_MS = 60_000;

export interface SweepResult {
  pools: number;
  /** Alerts decided by this sweep (levels crossed). */
  alerts: number;
  /** Events published, outbox entries of earlier sweeps included. */
  published: number;
  /** Events EventBridge still rejected; they stay in the outbox for the next sweep. */
  unpublished: number;
}

interface Outgoing {
  pool: PoolDocument['_id'];
  event: ServiceEvent;
}

export async function sweepPools(now = new Date()): Promise<SweepResult> {
  const pools = await poolsWithThreshold();
  const outgoing: Outgoing[] = [];
  let alerts = 0;
  let next = 0;
  const worker = async () => {
    while (next < pools.length) {
      const pool = pools[next++]!;
      for (const event of pool.pendingEvents ?? []) {
        if (now.getTime() - Date.parse(event.detail.at) >= REPUBLISH_AFTER_MS) {
          outgoing.push({ pool: pool._id, event });
        }
      }
      const event = await checkPool(pool, now);
      if (event) {
        alerts++;
        outgoing.push({ pool: pool._id, event });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, pools.length) }, worker));

  const published = await publishEvents(outgoing.map((out) => out.event));
  await Promise.all(
    outgoing.map((out, i) =>
      published[i] ? clearPendingEvent(out.pool, out.event.detail.eventId) : Promise.resolve(),
    ),
  );
  const result: SweepResult = {
    pools: pools.length,
    alerts,
    published: published.filter(Boolean).length,
    unpublished: published.filter((ok) => !ok).length,
  };
  logger.info('Pool sweep done', { ...result });
  return result;
}

/** One pool: the event to publish when its count crossed a new level and this sweep claimed it. */
async function checkPool(pool: PoolDocument, now: Date): Promise<ServiceEvent | undefined> {
  const threshold = pool.lowStockThreshold;
  if (threshold === null) return undefined;
  const scope = { campaignId: pool._id.campaign_id, type: pool._id.type };
  const available = await countAvailableUpTo(scope, now, threshold + 1);
  const next = nextAlertState(threshold, pool.alertedLevel, available);
  if (next.alertedLevel === pool.alertedLevel) return undefined;
  const level = next.alertedLevel;
  const event = next.publish && level !== null ? alertEvent(pool, level, available, now) : undefined;
  const lastAlert = event && {
    level: level!,
    available,
    at: now,
    eventId: event.detail.eventId,
  };
  const claimed = await claimAlertState(pool, level, event, lastAlert, now);
  if (!claimed) {
    logger.info('Pool changed while swept; another sweep or a settings change handles it', {
      campaignId: scope.campaignId,
      type: scope.type,
    });
    return undefined;
  }
  if (event) {
    logger.info('Pool level crossed', {
      campaignId: scope.campaignId,
      type: scope.type,
      detailType: event.detailType,
      level,
      available,
      eventId: event.detail.eventId,
    });
  } else {
    logger.info('Pool levels re-armed', {
      campaignId: scope.campaignId,
      type: scope.type,
      alertedLevel: level,
      available,
    });
  }
  return event;
}

function alertEvent(pool: PoolDocument, level: number, available: number, now: Date): ServiceEvent {
  // Stable per crossing: the revision this sweep claims is unique to it, and a republish of the
  // outbox entry sends the same id.
  const eventId = createHash('sha256')
    .update(`${pool._id.campaign_id}\n${pool._id.type}\n${level}\n${pool.revision + 1}`)
    .digest('hex')
    .slice(0, 32);
  const common = {
    eventId,
    campaignId: pool._id.campaign_id,
    type: pool._id.type,
    lowStockThreshold: pool.lowStockThreshold!,
    at: now.toISOString(),
  };
  return level === 0
    ? { detailType: DetailType.PoolEmpty, detail: { ...common, available: 0 } }
    : { detailType: DetailType.PoolLow, detail: { ...common, level, available } };
}
