import { parseCampaignId } from '../codes/validation.ts';
import { type ErrorCode, ServiceError } from '../errors.ts';
import { JOB_ID_PATTERN, type JobDocument } from './model.ts';
import type { JobStore } from './record-store.ts';

export interface JobLookupInput {
  campaignId: unknown;
  jobId: unknown;
}

/**
 * Routes 13 and 15: a job record, only under the campaign it belongs to — another campaign's job
 * is as unknown here as a missing one (ids are not secrets, but the path scopes every operation).
 */
export async function findCampaignJob<T extends JobDocument>(
  store: JobStore<T>,
  input: JobLookupInput,
  notFound: { code: ErrorCode; message: string },
): Promise<T> {
  const campaignId = parseCampaignId(input.campaignId);
  const fail = () => new ServiceError(notFound.code, notFound.message, 'notFound');
  if (typeof input.jobId !== 'string' || !JOB_ID_PATTERN.test(input.jobId)) throw fail();
  const doc = await store.find(input.jobId);
  if (!doc || doc.campaignId !== campaignId) throw fail();
  return doc;
}
