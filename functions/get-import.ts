import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';
import { getImport } from '../lib/import/get-import.ts';

/** GET /v1/{campaignId}/imports/{importId}: the import record (contract §5). */
export const handler = httpHandler(async (event) => {
  const record = await getImport(callerOf(event), {
    campaignId: event.pathParameters?.campaignId,
    importId: event.pathParameters?.importId,
  });
  return json(200, record);
});
