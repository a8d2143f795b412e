import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { handler as openapi } from '../../../functions/openapi.ts';
import { ROUTES, routeKey } from '../../../infra/routes.ts';
import { invoke } from '../../support/invoke.ts';

// Route 16 (contract §4): the OpenAPI document, served without auth and generated from the route table.
const fetchDocument = () =>
  invoke<{
    openapi: string;
    paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>>;
  }>(openapi, { method: 'GET', route: '/openapi.json', auth: null });

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const reply = await fetchDocument();
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toBe('3.1.0');
    const result = await new Validator().validate(reply.body as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists exactly the routes of the route table, each secured as deployed', async () => {
    const { body } = await fetchDocument();
    const documented = Object.entries(body.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map(routeKey).sort());
    for (const route of ROUTES) {
      const operation = body.paths[route.path]![route.method.toLowerCase()]!;
      expect(operation.security, routeKey(route)).toEqual(route.authorized ? [{ bearer: [] }] : []);
      if (route.authorized)
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('documents the contract error codes of a route under their status', async () => {
    const { body } = await fetchDocument();
    const list = body.paths['/v1/{campaignId}/codes']!.get!.responses as Record<
      string,
      { content: { 'application/json': { schema: { properties: { code: { enum: string[] } } } } } }
    >;
    expect(list['400']!.content['application/json'].schema.properties.code.enum).toEqual(
      expect.arrayContaining([
        'invalidLimit',
        'invalidCursor',
        'invalidType',
        'invalidStatus',
        'invalidReserveId',
      ]),
    );
  });
});
