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
  const counts = await Promise.all(statuses.map((s) => countByStatus({ campaignId, type }, s, now)));
  return Object.fromEntries(statuses.map((s, i) => [s, counts[i]]));
}
