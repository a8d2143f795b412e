import { type Caller, requireSupreme } from '../auth/caller.ts';
import { parseCampaignId } from '../codes/validation.ts';
import { purgerConfig } from '../config.ts';
import { newJobId } from '../jobs/model.ts';
import { parseJobRequest, purgeRequestSchema } from '../jobs/requests.ts';
import { startJob } from '../jobs/start.ts';
import { PURGE_REQUEST_KIND, type PurgeDocument, purgesStore } from './model.ts';

export interface StartPurgeInput {
  campaignId: unknown;
  body: unknown;
}

/**
 * Route 14: starts a purge of a pool's codes of the listed statuses (assigned ones only with
 * `includeAssigned: true`); it runs in the purge function. Its start time is the line after which
 * no change to a code is undone by it (see purgeableFilter).
 */
export async function startPurge(
  caller: Caller,
  input: StartPurgeInput,
  now = new Date(),
): Promise<{ campaignId: string; purgeId: string }> {
  requireSupreme(caller);
  const campaignId = parseCampaignId(input.campaignId);
  const request = parseJobRequest(purgeRequestSchema, input.body);
  const purgeId = newJobId();
  const doc: PurgeDocument = {
    _id: purgeId,
    campaignId,
    type: request.type,
    statuses: request.statuses,
    includeAssigned: request.includeAssigned === true,
    status: 'running',
    count: { deleted: 0 },
    progress: { batches: 0 },
    attempts: 0,
    startedAt: now,
    updatedAt: now,
  };
  await startJob(purgesStore, doc, { functionName: purgerConfig().functionName, kind: PURGE_REQUEST_KIND });
  return { campaignId, purgeId };
}
