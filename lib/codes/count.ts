import { type Caller, requireSupreme } from '../auth/caller.ts';
import { CODE_STATUSES, type CodeStatus } from './model.ts';
import { countByStatus } from './store.ts';
import { parseCampaignId, parseOptionalStatus, parseRequiredType } from './validation.ts';

export interface CountInput {
  campaignId: unknown;
  type: unknown;
  status?: unknown;
}

export type StatusCounts = Partial<Record<CodeStatus, number>>;

/** Counts a pool by status; only the asked status when one is given (contract §4 route 2). */
export async function countCodes(caller: Caller, input: CountInput, now = new Date()): Promise<StatusCounts> {
  requireSupreme(caller);
  const campaignId = parseCampaignId(input.campaignId);
  const type = parseRequiredType(input.type);
  const status = parseOptionalStatus(input.status);
  const statuses = status === undefined ? CODE_STATUSES : [status];
  // allSettled, not all: when one count fails, the others still run, and must finish before this
  // invocation answers — else they would run on into the next invocation of the container and log
  // under its request and correlation ids.
  const settled = await Promise.allSettled(statuses.map((s) => countByStatus({ campaignId, type }, s, now)));
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return Object.fromEntries(
    statuses.map((s, i) => [s, (settled[i] as PromiseFulfilledResult<number>).value]),
  );
}
