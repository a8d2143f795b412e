import { assignCodes } from '../lib/codes/assign.ts';
import { type JsonBody, jsonField } from '../lib/http/body.ts';
import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';

/** POST /v1/{campaignId}/assign {"codes": [...]} */
export const handler = httpHandler<JsonBody>(
  async (event) => {
    const result = await assignCodes(callerOf(event), {
      campaignId: event.pathParameters?.campaignId,
      codes: jsonField(event.body, 'codes'),
    });
    return json(200, result);
  },
  { jsonBody: true },
);
