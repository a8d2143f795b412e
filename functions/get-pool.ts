import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';
import { getPool } from '../lib/pools/settings.ts';

/** GET /v1/{campaignId}/pools/{type}: counts by status, low-stock threshold and alert state. */
export const handler = httpHandler(async (event) => {
  const view = await getPool(callerOf(event), {
    campaignId: event.pathParameters?.campaignId,
    type: event.pathParameters?.type,
  });
  return json(200, view);
});
