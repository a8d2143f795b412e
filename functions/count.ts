import { countCodes } from '../lib/codes/count.ts';
import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';

/** GET /v1/{campaignId}/codes/count?type=&status= */
export const handler = httpHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  const counts = await countCodes(callerOf(event), {
    campaignId: event.pathParameters?.campaignId,
    type: query.type,
    status: query.status,
  });
  return json(200, counts);
});
