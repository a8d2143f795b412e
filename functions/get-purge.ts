import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';
import { getPurge } from '../lib/purge/get.ts';

/** GET /v1/{campaignId}/purges/{purgeId}: the purge record. */
export const handler = httpHandler(async (event) => {
  const record = await getPurge(callerOf(event), {
    campaignId: event.pathParameters?.campaignId,
    jobId: event.pathParameters?.purgeId,
  });
  return json(200, record);
});
