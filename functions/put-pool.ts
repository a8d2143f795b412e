import type { JsonBody } from '../lib/http/body.ts';
import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';
import { putPool } from '../lib/pools/settings.ts';

/** PUT /v1/{campaignId}/pools/{type} {"lowStockThreshold": n | null}: then the pool view. */
export const handler = httpHandler<JsonBody>(
  async (event) => {
    const view = await putPool(callerOf(event), {
      campaignId: event.pathParameters?.campaignId,
      type: event.pathParameters?.type,
      body: event.body,
    });
    return json(200, view);
  },
  { jsonBody: true },
);
