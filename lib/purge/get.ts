import { type Caller, requireSupreme } from '../auth/caller.ts';
import { findCampaignJob, type JobLookupInput } from '../jobs/lookup.ts';
import { type PurgeView, purgesStore, purgeView } from './model.ts';

/** Route 15: the purge record. */
export async function getPurge(caller: Caller, input: JobLookupInput): Promise<PurgeView> {
  requireSupreme(caller);
  const doc = await findCampaignJob(purgesStore, input, {
    code: 'purgeNotFound',
    message: 'No such purge in this campaign',
  });
  return purgeView(doc);
}
