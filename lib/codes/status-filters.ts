import type { Filter } from 'mongodb';
import { type CodeDocument, type CodeStatus, type PoolScope, RESERVATION_TTL_MS } from './model.ts';

/**
 * Status is never stored: it is derived from the dates at query time (contract §2), so a reservation
 * expires by itself 24 h after `date.reserved` and nothing has to sweep it.
 */
export const reservationCutoff = (now: Date): Date => new Date(now.getTime() - RESERVATION_TTL_MS);

const notAssigned = { 'date.assigned': { $exists: false } } as const;

/** Not assigned, and never reserved or the reservation is older than 24 h. */
export const availableCondition = (now: Date): Filter<CodeDocument> => ({
  ...notAssigned,
  $or: [{ 'date.reserved': { $exists: false } }, { 'date.reserved': { $lte: reservationCutoff(now) } }],
});

/** Not assigned, and reserved within the last 24 h. */
export const reservedCondition = (now: Date): Filter<CodeDocument> => ({
  ...notAssigned,
  'date.reserved': { $gt: reservationCutoff(now) },
});

/** Assigned: terminal, whatever the reservation dates say. */
export const assignedCondition = (): Filter<CodeDocument> => ({ 'date.assigned': { $exists: true } });

export const statusCondition = (status: CodeStatus, now: Date): Filter<CodeDocument> => {
  switch (status) {
    case 'available':
      return availableCondition(now);
    case 'reserved':
      return reservedCondition(now);
    case 'assigned':
      return assignedCondition();
  }
};

/** The pool's equality fields lead, matching the leading fields of the status index. */
export const poolFilter = (scope: PoolScope): Filter<CodeDocument> => ({
  '_id.campaign_id': scope.campaignId,
  type: scope.type,
});

export const statusFilter = (scope: PoolScope, status: CodeStatus, now: Date): Filter<CodeDocument> => ({
  ...poolFilter(scope),
  ...statusCondition(status, now),
});

/** A code's status at `now`, by the same rules as the filters above (contract §2). */
export function statusOf(date: CodeDocument['date'], now: Date): CodeStatus {
  if (date.assigned !== undefined) return 'assigned';
  // Stryker disable next-line ConditionalExpression: `undefined > cutoff` is false too; the check is for the type
  if (date.reserved !== undefined && date.reserved > reservationCutoff(now)) return 'reserved';
  return 'available';
}

/**
 * Every code of one campaign as a range of the `_id` index: `_id` compares field by field
 * (campaign_id, then code), so `{campaign_id: c, code: ""}` sorts before every code of campaign c
 * and `{campaign_id: c + "\0", code: ""}` after them all (both bounds with the same fields, which
 * the embedded server's comparison needs too). Read in `_id` order with this range, a cursor walks
 * the campaign's part of the primary index, whose keys never change: no document is returned twice,
 * however the codes change meanwhile (a scan of the status index could meet a code again after its
 * reservation moved it within that index).
 */
export const campaignIdRange = (campaignId: string): Filter<CodeDocument> => ({
  _id: {
    $gte: { campaign_id: campaignId, code: '' },
    $lt: { campaign_id: `${campaignId}\u0000`, code: '' },
  },
});
