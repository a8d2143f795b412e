import { reserveCodes } from '../lib/codes/reserve.ts';
import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';

/** GET /v1/{campaignId}/reserve?count=&type=&reserveId= → code strings, `x-reserve-id` header. */
export const handler = httpHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  const reservation = await reserveCodes(callerOf(event), {
    campaignId: event.pathParameters?.campaignId,
    count: query.count,
    type: query.type,
    reserveId: query.reserveId,
  });
  return json(200, reservation.codes, { 'x-reserve-id': reservation.reserveId });
});
