import { httpHandler } from '../lib/http/middleware.ts';
import { openApiDocument } from '../lib/http/openapi.ts';
import { json } from '../lib/http/response.ts';

/** GET /openapi.json (no auth): the OpenAPI 3.1 document of this API, built from the route table. */
export const handler = httpHandler(async () => json(200, openApiDocument()), { public: true });
