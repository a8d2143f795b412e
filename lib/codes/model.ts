/**
 * The `codes` collection's document, as the previous service wrote it (contract §2). Field names and
 * the field order of `_id` (campaign_id, then code) are fixed by existing production data.
 */
export const CODE_TYPES = ['tm', 'external'] as const;
export type CodeType = (typeof CODE_TYPES)[number];

export const CODE_STATUSES = ['available', 'reserved', 'assigned'] as const;
export type CodeStatus = (typeof CODE_STATUSES)[number];

export interface CodeId {
  campaign_id: string;
  code: string;
}

export interface CodeDocument {
  _id: CodeId;
  type: CodeType;
  reserveId?: string;
  date: { saved: Date; reserved?: Date; assigned?: Date };
}

/** A campaign's pool of one type: the unit every count and reservation works on. */
export interface PoolScope {
  campaignId: string;
  type: CodeType;
}

/** A reservation holds its codes for this long, then they are available again by themselves. */
export const RESERVATION_TTL_MS = 24 * 60 * 60 * 1000;

export const MAX_CODE_LENGTH = 256;

/** A control character (C0, DEL, C1): refused in codes (contract §5) and in file keys. */
export const CONTROL_CHARACTER = /\p{Cc}/u;
export const MAX_CODES_PER_REQUEST = 50_000;

/** What assign and release answer: codes asked about, and codes actually changed. */
export interface ChangeCount {
  count: { in: number; updated: number };
}

/** Builds the compound `_id` with the field order the existing data uses. */
export const codeId = (campaignId: string, code: string): CodeId => ({ campaign_id: campaignId, code });

/**
 * `reservation_claims`: one document per client-supplied reserveId and pool, so concurrent retries
 * of one reserve request cannot each reserve (a new collection; `codes` is unchanged).
 */
export interface ReservationClaim {
  _id: { campaign_id: string; type: CodeType; reserveId: string };
  claimedAt: Date;
}
