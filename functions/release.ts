import { releaseCodes } from '../lib/codes/release.ts';
import { type JsonBody, jsonField } from '../lib/http/body.ts';
import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';

/** POST /v1/{campaignId}/release {"codes": [...]} or {"reserveId": "..."} */
export const handler = httpHandler<JsonBody>(
  async (event) => {
    const result = await releaseCodes(callerOf(event), {
      campaignId: event.pathParameters?.campaignId,
      codes: jsonField(event.body, 'codes'),
      reserveId: jsonField(event.body, 'reserveId'),
    });
    return json(200, result);
  },
  { jsonBody: true },
);
