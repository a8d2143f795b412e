import type { CodeType, PoolScope } from '../codes/model.ts';
import type { ServiceEvent } from '../events/details.ts';

/**
 * The `pools` collection: one small document per campaign and type holding the pool's low-stock
 * settings and alert state (contract §4 routes 10–11, §6b). The codes themselves stay in `codes`.
 */
export interface PoolDocument {
  /** Same shape and field order as the codes' `_id` prefix: campaign, then type. */
  _id: { campaign_id: string; type: CodeType };
  /** T of the ladder; null = no low-stock alerts for this pool. */
  lowStockThreshold: number | null;
  /**
   * The deepest ladder level now counted as alerted: it and every level above it. null = every
   * level is armed. Levels below the count re-arm as it rises (import, release, expiry).
   */
  alertedLevel: number | null;
  /**
   * Bumped by every change of the settings or the alert state. The sweep's update is conditional on
   * the revision it read, so two sweeps at once cannot both win the same crossing.
   */
  revision: number;
  /** The last event published (or being published) for this pool. */
  lastAlert?: { level: number; available: number; at: Date; eventId: string };
  /**
   * The outbox: alerts decided but not yet confirmed by EventBridge. Set in the same update that
   * claims the crossing, cleared once published; a later sweep publishes it again with the same
   * `eventId`, so the event is delivered at least once even if the sweep dies in between.
   */
  pendingEvents?: ServiceEvent[];
  updatedAt: Date;
}

export const poolId = (scope: PoolScope): PoolDocument['_id'] => ({
  campaign_id: scope.campaignId,
  type: scope.type,
});

export const MAX_THRESHOLD = 10_000_000;

/**
 * The ladder of threshold T, deepest last: T, T/2, T/4, T/8 (integer division, repeats dropped),
 * then 0, the `Pool Empty` level. T = 0 alerts only when the pool is empty.
 */
export function ladder(threshold: number): number[] {
  const levels = [threshold, threshold >> 1, threshold >> 2, threshold >> 3].filter((level) => level > 0);
  return [...new Set(levels), 0];
}

/** The deepest level an available count has reached (count ≤ level), or null when above all. */
export function deepestLevel(threshold: number, available: number): number | null {
  const reached = ladder(threshold).filter((level) => available <= level);
  return reached.length === 0 ? null : reached[reached.length - 1]!;
}

/**
 * What one look at a pool's available count does to its alert state: the new alerted level (levels
 * below the count re-armed), and whether that level is a new crossing to publish — only when the
 * count went deeper than anything alerted; the levels passed on the way count as alerted.
 */
export function nextAlertState(
  threshold: number,
  alertedLevel: number | null,
  available: number,
): { alertedLevel: number | null; publish: boolean } {
  const reached = deepestLevel(threshold, available);
  const publish = reached !== null && (alertedLevel === null || reached < alertedLevel);
  return { alertedLevel: reached, publish };
}
