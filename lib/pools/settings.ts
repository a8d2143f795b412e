import * as z from 'zod';
import { type Caller, requireSupreme } from '../auth/caller.ts';
import { countCodes, type StatusCounts } from '../codes/count.ts';
import { CODE_TYPES, type CodeType } from '../codes/model.ts';
import { parseCampaignId, parseType } from '../codes/validation.ts';
import { ServiceError } from '../errors.ts';
import { ladder, MAX_THRESHOLD, type PoolDocument } from './model.ts';
import { findPool, setThreshold } from './store.ts';

/** Route 11's body (contract §4): failures map to `invalidThreshold`. Exported for the API document. */
export const poolSettingsBody = z.object({
  lowStockThreshold: z.number().int().min(0).max(MAX_THRESHOLD).nullable(),
});

export interface PoolInput {
  campaignId: unknown;
  type: unknown;
}

/** Routes 10 and 11 answer with this (PoolView, dates as ISO 8601): the API document's description. */
export const poolViewSchema = z.object({
  campaignId: z.string(),
  type: z.enum(CODE_TYPES),
  counts: z.object({ available: z.int(), reserved: z.int(), assigned: z.int() }),
  lowStockThreshold: z.int().nullable(),
  levels: z.array(z.int()),
  alertedLevel: z.int().nullable(),
  lastAlert: z
    .object({ level: z.int(), available: z.int(), at: z.iso.datetime(), eventId: z.string() })
    .nullable(),
});

/** Routes 10 and 11 answer with this. */
export interface PoolView {
  campaignId: string;
  type: CodeType;
  counts: StatusCounts;
  lowStockThreshold: number | null;
  /** The levels alerted on, deepest last (0 = `Pool Empty`); [] without a threshold. */
  levels: number[];
  /** The deepest level now counted as alerted; null when every level is armed. */
  alertedLevel: number | null;
  /** The last level alerted and when (it stays after the levels re-arm). */
  lastAlert: { level: number; available: number; at: Date; eventId: string } | null;
}

/** GET /v1/{campaignId}/pools/{type}: counts by status and the low-stock settings and state. */
export async function getPool(caller: Caller, input: PoolInput): Promise<PoolView> {
  requireSupreme(caller);
  const scope = { campaignId: parseCampaignId(input.campaignId), type: parseType(input.type) };
  // allSettled, as count does: neither read may outlive this invocation when the other fails.
  const [counts, pool] = await Promise.allSettled([countCodes(caller, scope), findPool(scope)]);
  if (counts.status === 'rejected') throw counts.reason;
  if (pool.status === 'rejected') throw pool.reason;
  return poolView(scope.campaignId, scope.type, counts.value, pool.value);
}

/** PUT /v1/{campaignId}/pools/{type} `{"lowStockThreshold": n | null}`: then the pool view. */
export async function putPool(caller: Caller, input: PoolInput & { body: unknown }): Promise<PoolView> {
  requireSupreme(caller);
  const scope = { campaignId: parseCampaignId(input.campaignId), type: parseType(input.type) };
  const body = poolSettingsBody.safeParse(input.body);
  if (!body.success) {
    throw new ServiceError(
      'invalidThreshold',
      `lowStockThreshold must be null or an integer from 0 to ${MAX_THRESHOLD}`,
    );
  }
  await setThreshold(scope, body.data.lowStockThreshold, new Date());
  return getPool(caller, scope);
}

function poolView(
  campaignId: string,
  type: CodeType,
  counts: StatusCounts,
  pool: PoolDocument | null,
): PoolView {
  const threshold = pool?.lowStockThreshold ?? null;
  return {
    campaignId,
    type,
    counts,
    lowStockThreshold: threshold,
    levels: threshold === null ? [] : ladder(threshold),
    alertedLevel: pool?.alertedLevel ?? null,
    lastAlert: pool?.lastAlert ?? null,
  };
}
