import { purgeInvocationSchema } from './model.ts';
import { type PurgeOutcome, runPurge } from './purger.ts';

/** The purge function's event: route 14's hand-off (asynchronous Invoke). */
export async function purgeEvent(event: unknown): Promise<PurgeOutcome> {
  const request = purgeInvocationSchema.safeParse(event);
  // A wiring mistake, not a job problem: fail loudly (Lambda retries, then drops it).
  if (!request.success) throw new Error('The purge function received an event that is not a purge request');
  return runPurge(request.data.jobId);
}
