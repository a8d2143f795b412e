import type { JsonBody } from '../lib/http/body.ts';
import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';
import { startPurge } from '../lib/purge/start.ts';

/**
 * POST /v1/{campaignId}/purges {"type", "statuses", "includeAssigned"?}: 202 with `purgeId` and a
 * `Location` to follow it on GET /v1/{campaignId}/purges/{purgeId}; the purge function deletes.
 */
export const handler = httpHandler<JsonBody>(
  async (event) => {
    const started = await startPurge(callerOf(event), {
      campaignId: event.pathParameters?.campaignId,
      body: event.body,
    });
    const location = `/v1/${encodeURIComponent(started.campaignId)}/purges/${started.purgeId}`;
    return json(202, { purgeId: started.purgeId, status: 'running' }, { location });
  },
  { jsonBody: true },
);
