import { listCodes } from '../lib/codes/list.ts';
import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';

/** GET /v1/{campaignId}/codes?type=&status=&reserveId=&code=&limit=&cursor= → a page of code views. */
export const handler = httpHandler(async (event) => {
  const page = await listCodes(callerOf(event), {
    campaignId: event.pathParameters?.campaignId,
    query: event.queryStringParameters ?? {},
  });
  return json(200, page);
});
