import { type JsonBody, jsonField } from '../lib/http/body.ts';
import { callerOf } from '../lib/http/caller.ts';
import { httpHandler } from '../lib/http/middleware.ts';
import { json } from '../lib/http/response.ts';
import { uploadCodes } from '../lib/import/upload.ts';

/**
 * POST /v1/{campaignId}/codes {"fileKey": "codes/<campaignId>/<type>/<name>"}: 200 with the import
 * record once it has finished (its `status` tells succeeded from failed), else 202 with `importId`
 * and a `Location` to follow it on GET /v1/{campaignId}/imports/{importId}.
 */
export const handler = httpHandler<JsonBody>(
  async (event, context) => {
    const result = await uploadCodes(
      callerOf(event),
      { campaignId: event.pathParameters?.campaignId, fileKey: jsonField(event.body, 'fileKey') },
      context.getRemainingTimeInMillis(),
    );
    if (result.state === 'finished') return json(200, result.record);
    const location = `/v1/${encodeURIComponent(result.campaignId)}/imports/${result.importId}`;
    return json(202, { importId: result.importId, status: 'running' }, { location });
  },
  { jsonBody: true },
);
