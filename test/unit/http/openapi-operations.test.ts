import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { buildOpenApiDocument } from '../../../lib/http/openapi.ts';
import { API_ROUTES, type ApiRoute } from '../../../lib/http/routes.ts';

/**
 * What the OpenAPI document says of an operation, pinned on two routes (issue 17: mutation
 * testing found the document's generator unchecked beyond validity): the metadata, parameters,
 * request body, error responses by status and headers.
 */
type Operation = Record<string, unknown> & { responses: Record<string, Record<string, unknown>> };
type Document = { info: unknown; components: unknown; paths: Record<string, Record<string, Operation>> };
// Built afresh, not read through route 16's cached copy: a mutant must show in the document.
const document = async () => buildOpenApiDocument(API_ROUTES) as Document;
const errorSchema = (codes: string[]) => ({
  type: 'object',
  properties: { code: { type: 'string', enum: codes }, message: { type: 'string' } },
  required: ['code', 'message'],
});
const gatewayDenial = { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] };

describe('the OpenAPI document', () => {
  it('names the service and its bearer scheme', async () => {
    const doc = await document();
    expect(doc.info).toEqual({
      title: 'Code service',
      version: '1.0.0',
      description: expect.stringContaining('Pools of unique single-use access codes'),
    });
    expect(doc.components).toEqual({
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'RS256 JWT; every operation needs the claim isSupreme: true',
        },
      },
    });
  });

  it('describes route 1: its path parameter, required JSON body, errors by status and Location', async () => {
    const upload = (await document()).paths['/v1/{campaignId}/codes']!.post!;
    expect(upload.security).toEqual([{ bearer: [] }]);
    expect(upload.description).toEqual(expect.stringContaining('contract §4 route 1'));
    expect(upload.parameters).toEqual([
      {
        name: 'campaignId',
        in: 'path',
        required: true,
        schema: { type: 'string', minLength: 1, maxLength: 256 },
      },
    ]);
    expect(upload.requestBody).toEqual({
      required: true,
      content: {
        'application/json': {
          schema: expect.objectContaining({ type: 'object', required: ['fileKey'] }),
        },
      },
    });
    const { responses } = upload;
    expect(Object.keys(responses)).toEqual(['200', '202', '400', '401', '403', '404', '415', '500']);
    expect(responses['200']).toEqual({
      description: 'The import finished (its status tells succeeded from failed)',
      content: { 'application/json': { schema: expect.objectContaining({ type: 'object' }) } },
    });
    expect(responses['202']).toMatchObject({
      headers: { location: { description: 'The import record (route 6)', schema: { type: 'string' } } },
    });
    expect(responses['400']).toEqual({
      description: 'invalidCampaignId, invalidFileKey, invalidType, invalidJson',
      content: {
        'application/json': {
          schema: errorSchema(['invalidCampaignId', 'invalidFileKey', 'invalidType', 'invalidJson']),
        },
      },
    });
    expect(responses['401']).toEqual({
      description: 'No valid token, or: supremeUserRequired',
      content: {
        'application/json': { schema: { anyOf: [errorSchema(['supremeUserRequired']), gatewayDenial] } },
      },
    });
    expect(responses['403']).toEqual({
      description: 'The authorizer denied the token',
      content: { 'application/json': { schema: gatewayDenial } },
    });
    expect(responses['500']).toEqual({
      description: 'internalError',
      content: { 'application/json': { schema: errorSchema(['internalError']) } },
    });
    expect(responses['415']).toEqual({
      description: 'unsupportedMediaType',
      content: { 'application/json': { schema: errorSchema(['unsupportedMediaType']) } },
    });
  });

  it('describes query parameters as read, optional unless required, with their descriptions', async () => {
    const list = (await document()).paths['/v1/{campaignId}/codes']!.get!;
    expect(list.requestBody).toBeUndefined();
    const parameters = list.parameters as Array<Record<string, unknown>>;
    expect(parameters.map((p) => `${p.in}:${p.name}:${p.required}`)).toEqual([
      'path:campaignId:true',
      'query:type:false',
      'query:status:false',
      'query:reserveId:false',
      'query:code:false',
      'query:limit:false',
      'query:cursor:false',
    ]);
    expect(parameters.find((p) => p.name === 'code')).toMatchObject({
      description: 'Exact code: a lookup of one code (0 or 1 item)',
    });
    expect(parameters.find((p) => p.name === 'type')).not.toHaveProperty('description');
    expect(parameters.find((p) => p.name === 'limit')).toMatchObject({
      schema: { default: 100, type: 'integer', minimum: 1, maximum: 1000 },
    });
    expect(Object.keys(list.responses)).not.toContain('415');
  });

  it('leaves the public routes without security, 401 or 403', async () => {
    const heartbeat = (await document()).paths['/heartbeat']!.get!;
    expect(heartbeat.security).toEqual([]);
    expect(heartbeat).not.toHaveProperty('parameters');
    expect(Object.keys(heartbeat.responses)).toEqual(['200', '500', '503']);
  });

  it('shows a body as accepted (other properties ignored) and a response as sent (nothing else)', async () => {
    const doc = await document();
    const upload = doc.paths['/v1/{campaignId}/codes']!.post!;
    const { content } = upload.requestBody as { content: Record<string, { schema: object }> };
    // Request bodies are read as input (zod strips unknown properties), responses as output.
    expect(content['application/json']!.schema).not.toHaveProperty('additionalProperties');
    expect(upload.responses['200']!.content).toEqual({
      'application/json': { schema: expect.objectContaining({ additionalProperties: false }) },
    });
    // A response declared without a schema: some JSON object.
    expect(doc.paths['/openapi.json']!.get!.responses['200']).toEqual({
      description: 'The OpenAPI document of the API',
      content: { 'application/json': { schema: { type: 'object' } } },
    });
  });

  it('reads a body as its input (a field with a default may be left out) and builds past what JSON Schema cannot express', () => {
    const route: ApiRoute = {
      method: 'POST',
      path: '/dated',
      function: 'dated',
      authorized: false,
      summary: 'A route of this test only',
      body: z.object({ count: z.int().default(1) }),
      responses: { 200: { description: 'Dated', schema: z.object({ at: z.date() }) } },
      errors: [],
    };
    const operation = (buildOpenApiDocument([route]) as Document).paths['/dated']!.post!;
    expect(operation.requestBody).toEqual({
      required: true,
      content: {
        'application/json': {
          schema: { type: 'object', properties: { count: expect.objectContaining({ default: 1 }) } },
        },
      },
    });
    // A date has no JSON Schema form: shown as any value rather than failing the whole document.
    expect(operation.responses['200']!.content).toEqual({
      'application/json': {
        schema: { type: 'object', properties: { at: {} }, required: ['at'], additionalProperties: false },
      },
    });
  });

  it("describes route 1's 202 answer and the job routes' id parameters", async () => {
    const doc = await document();
    expect(doc.paths['/v1/{campaignId}/codes']!.post!.responses['202']!.content).toEqual({
      'application/json': {
        schema: {
          type: 'object',
          properties: { importId: { type: 'string' }, status: { type: 'string', const: 'running' } },
          required: ['importId', 'status'],
          additionalProperties: false,
        },
      },
    });
    const idParameter = (path: string, name: string) =>
      (doc.paths[path]!.get!.parameters as Array<Record<string, unknown>>).find((p) => p.name === name);
    expect(idParameter('/v1/{campaignId}/imports/{importId}', 'importId')).toEqual({
      name: 'importId',
      in: 'path',
      required: true,
      schema: { type: 'string', description: 'An import id (32 hexadecimal characters)' },
    });
    expect(idParameter('/v1/{campaignId}/exports/{exportId}', 'exportId')).toMatchObject({
      schema: { type: 'string', description: 'An export id (32 hexadecimal characters)' },
    });
    expect(idParameter('/v1/{campaignId}/purges/{purgeId}', 'purgeId')).toMatchObject({
      schema: { type: 'string', description: 'A purge id (32 hexadecimal characters)' },
    });
  });
});
