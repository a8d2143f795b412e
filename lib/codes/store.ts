import type { Filter } from 'mongodb';
import {
  CODE_PAGING_INDEX,
  codesCollection,
  RESERVATION_PAGING_INDEX,
  reservationClaimsCollection,
} from '../mongo/collections.ts';
import { dbCall } from '../mongo/instrument.ts';
import { type CodeDocument, type CodeStatus, codeId, type PoolScope } from './model.ts';
import {
  availableCondition,
  poolFilter,
  reservationCutoff,
  reservedCondition,
  statusFilter,
} from './status-filters.ts';

/**
 * The `codes` datastore: every query the lifecycle operations make, each one traced as its own
 * subsegment. Assign and release match the full compound `_id` with `$in`, so they use the
 * primary index; codes arrive here already validated as strings (no operator can be smuggled in).
 */

/** Reads of code lists need the `_id` only. */
// Stryker disable next-line ObjectLiteral: the projection only trims what is read, not which codes
const CODES_ONLY = { projection: { _id: 1 } } as const;

const idsOf = (campaignId: string, codes: readonly string[]) => codes.map((code) => codeId(campaignId, code));

export async function countByStatus(scope: PoolScope, status: CodeStatus, now: Date): Promise<number> {
  const codes = await codesCollection();
  return dbCall(`count.${status}`, () => codes.countDocuments(statusFilter(scope, status, now)));
}

/**
 * Available codes, counted up to `limit` only: the count stops scanning there, so its cost follows
 * the limit, not the pool's size (the low-stock sweep asks for threshold + 1).
 */
export async function countAvailableUpTo(scope: PoolScope, now: Date, limit: number): Promise<number> {
  const codes = await codesCollection();
  return dbCall('count.availableUpTo', () =>
    codes.countDocuments(statusFilter(scope, 'available', now), { limit }),
  );
}

/** Up to `limit` available codes, starting `skip` codes into the pool (spreads concurrent callers). */
export async function findAvailable(
  scope: PoolScope,
  now: Date,
  limit: number,
  skip: number,
): Promise<string[]> {
  const codes = await codesCollection();
  const docs = await dbCall('findAvailable', () =>
    codes
      .find(statusFilter(scope, 'available', now), CODES_ONLY)
      .skip(skip)
      .limit(limit)
      .toArray(),
  );
  return docs.map((doc) => doc._id.code);
}

/**
 * Reserves the listed codes that are still available, in one conditional update: MongoDB
 * re-evaluates the filter per document under its write lock, so a code already taken by a
 * concurrent reservation is skipped, never handed out twice. Returns how many were won.
 */
export async function markReservedIfAvailable(
  scope: PoolScope,
  codeList: readonly string[],
  reserveId: string,
  now: Date,
): Promise<number> {
  const codes = await codesCollection();
  const result = await dbCall('reserve', () =>
    codes.updateMany(
      { _id: { $in: idsOf(scope.campaignId, codeList) }, type: scope.type, ...availableCondition(now) },
      { $set: { 'date.reserved': now, reserveId } },
    ),
  );
  return result.modifiedCount;
}

/** The codes a live reservation holds (reserved within 24 h, not assigned). */
export async function findHeld(scope: PoolScope, reserveId: string, now: Date): Promise<string[]> {
  const codes = await codesCollection();
  const docs = await dbCall('findHeld', () =>
    codes.find({ reserveId, ...poolFilter(scope), ...reservedCondition(now) }, CODES_ONLY).toArray(),
  );
  return docs.map((doc) => doc._id.code);
}

/** Marks the listed codes assigned where they are not yet; returns how many were newly assigned. */
export async function markAssigned(
  campaignId: string,
  codeList: readonly string[],
  now: Date,
): Promise<number> {
  const codes = await codesCollection();
  const result = await dbCall('assign', () =>
    codes.updateMany(
      { _id: { $in: idsOf(campaignId, codeList) }, 'date.assigned': { $exists: false } },
      { $set: { 'date.assigned': now } },
    ),
  );
  return result.modifiedCount;
}

const clearReservation = { $unset: { 'date.reserved': '', reserveId: '' } } as const;

/**
 * Clears the reservation of the listed codes that are reserved and not assigned (only of those held
 * by `reserveId`, when given); returns how many were cleared.
 */
export async function clearReservations(
  campaignId: string,
  codeList: readonly string[],
  now: Date,
  reserveId?: string,
): Promise<number> {
  const codes = await codesCollection();
  const filter: Filter<CodeDocument> = {
    _id: { $in: idsOf(campaignId, codeList) },
    ...reservedCondition(now),
    ...(reserveId === undefined ? {} : { reserveId }),
  };
  const result = await dbCall('release', () => codes.updateMany(filter, clearReservation));
  return result.modifiedCount;
}

/** Clears the reservation of every code `reserveId` still holds in this campaign; returns how many. */
export async function clearReservationsOf(campaignId: string, reserveId: string, now: Date): Promise<number> {
  const codes = await codesCollection();
  const result = await dbCall('releaseReservation', () =>
    codes.updateMany(
      { reserveId, '_id.campaign_id': campaignId, ...reservedCondition(now) },
      clearReservation,
    ),
  );
  return result.modifiedCount;
}

/**
 * Claims a client reserveId for a pool (one document in `reservation_claims`, keyed by pool and
 * id). True when this call claimed it: there was no claim, or only one older than a reservation
 * lives (its codes are available again, so the id starts afresh — taken over atomically).
 */
export async function claimReserveId(scope: PoolScope, reserveId: string, now: Date): Promise<boolean> {
  const claims = await reservationClaimsCollection();
  const _id = { campaign_id: scope.campaignId, type: scope.type, reserveId };
  const before = await dbCall('claimReserveId', () =>
    claims.findOneAndUpdate(
      { _id },
      { $setOnInsert: { claimedAt: now } },
      // Stryker disable next-line StringLiteral: 'before' is also the driver's default
      { upsert: true, returnDocument: 'before' },
    ),
  );
  if (before === null) return true;
  const cutoff = reservationCutoff(now);
  if (before.claimedAt > cutoff) return false;
  const takeover = await dbCall('claimReserveId.takeover', () =>
    claims.updateOne({ _id, claimedAt: { $lte: cutoff } }, { $set: { claimedAt: now } }),
  );
  return takeover.modifiedCount === 1;
}

/**
 * One page of route 8: the codes matching `conditions` in the campaign (and reservation, when
 * given) after the code `after`, in code order — a range scan of the paging index, never a skip.
 */
export async function findCodePage(
  scope: { campaignId: string; reserveId?: string | undefined },
  conditions: Filter<CodeDocument>[],
  after: string | undefined,
  limit: number,
): Promise<CodeDocument[]> {
  const codes = await codesCollection();
  const filter: Filter<CodeDocument> = {
    ...(scope.reserveId === undefined ? {} : { reserveId: scope.reserveId }),
    '_id.campaign_id': scope.campaignId,
    ...(after === undefined ? {} : { '_id.code': { $gt: after } }),
    ...(conditions.length ? { $and: conditions } : {}),
  };
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the hint decides how a page is read, not which codes it holds
  const hint = scope.reserveId === undefined ? CODE_PAGING_INDEX : RESERVATION_PAGING_INDEX;
  return dbCall('listCodes', () =>
    codes.find(filter).sort({ '_id.code': 1 }).hint(hint).limit(limit).toArray(),
  );
}

/** One code of a campaign, if it exists and meets `conditions` (route 8's lookup). */
export async function findCode(
  campaignId: string,
  code: string,
  conditions: Filter<CodeDocument>[],
): Promise<CodeDocument | null> {
  const codes = await codesCollection();
  const filter: Filter<CodeDocument> = {
    _id: codeId(campaignId, code),
    ...(conditions.length ? { $and: conditions } : {}),
  };
  return dbCall('lookupCode', () => codes.findOne(filter));
}
