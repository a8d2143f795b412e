import { eventHandler } from '../lib/lambda-handler.ts';
import { purgeEvent } from '../lib/purge/events.ts';
import type { PurgeOutcome } from '../lib/purge/purger.ts';

/**
 * The purge function, started by route 14 with an asynchronous Invoke: deletes the pool's codes of
 * the listed statuses in batches. A failure fails the invocation once the record says why; Lambda's
 * retry resumes the purge.
 */
export const handler = eventHandler<unknown, PurgeOutcome>((event) => purgeEvent(event));
