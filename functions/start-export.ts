import { startExport } from '../lib/export/start.ts';
import type { JsonBody } from '../lib/http/body.ts';
import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';

/**
 * POST /v1/{campaignId}/exports {"type", "status"?}: 202 with `exportId` and a `Location` to follow
 * the export on GET /v1/{campaignId}/exports/{exportId}; the export function writes the file.
 */
export const handler = httpHandler<JsonBody>(
  async (event) => {
    const started = await startExport(callerOf(event), {
      campaignId: event.pathParameters?.campaignId,
      body: event.body,
    });
    const location = `/v1/${encodeURIComponent(started.campaignId)}/exports/${started.exportId}`;
    return json(202, { exportId: started.exportId, status: 'running' }, { location });
  },
  { jsonBody: true },
);
