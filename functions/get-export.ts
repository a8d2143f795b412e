import { getExport } from '../lib/export/get.ts';
import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';

/** GET /v1/{campaignId}/exports/{exportId}: the export record, with a fresh `url` once succeeded. */
export const handler = httpHandler(async (event) => {
  const record = await getExport(callerOf(event), {
    campaignId: event.pathParameters?.campaignId,
    jobId: event.pathParameters?.exportId,
  });
  return json(200, record);
});
