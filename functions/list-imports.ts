import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';
import { listImports } from '../lib/import/list.ts';

/** GET /v1/{campaignId}/imports?status=&limit=&cursor= → a page of import records, newest first. */
export const handler = httpHandler(async (event) => {
  const page = await listImports(callerOf(event), {
    campaignId: event.pathParameters?.campaignId,
    query: event.queryStringParameters ?? {},
  });
  return json(200, page);
});
