import { countCodes } from '../lib/codes/count.ts';
import { identityOf } from '../lib/http/identity.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';

/** GET /v1/{campaignId}/codes/count?type=&status= */
export const handler = httpHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  const counts = await countCodes(identityOf(event), {
    campaignId: event.pathParameters?.campaignId,
    type: query.type,
    status: query.status,
  });
  return json(200, counts);
});
