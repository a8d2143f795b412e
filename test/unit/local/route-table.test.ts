import { describe, expect, it } from 'vitest';
import { routeTable } from '../../../infra/local/gateway/route-table.ts';
import { ROUTES } from '../../../infra/routes.ts';

describe('route matching', () => {
  const table = routeTable(ROUTES);

  it('matches every route of the shared route table, decoding path parameters', () => {
    expect(table.match('GET', '/heartbeat')).toEqual({ route: ROUTES[0], pathParameters: {} });
    const count = table.match('GET', '/v1/camp%201/codes/count');
    expect(count?.route.function).toBe('count');
    expect(count?.pathParameters).toEqual({ campaignId: 'camp 1' });
    expect(table.match('GET', '/v1/c1/imports/imp-9')?.pathParameters).toEqual({
      campaignId: 'c1',
      importId: 'imp-9',
    });
    expect(table.match('POST', '/v1/c1/codes')?.route.function).toBe('upload');
  });

  it('finds nothing for other methods, extra or missing segments, or empty parameters', () => {
    expect(table.match('POST', '/heartbeat')).toBeUndefined();
    expect(table.match('GET', '/heartbeat/')).toBeUndefined();
    expect(table.match('GET', '/v1/c1/codes/count/x')).toBeUndefined();
    expect(table.match('GET', '/v1//reserve')).toBeUndefined();
    expect(table.match('GET', '/v1/%E0%A4%A/reserve')).toBeUndefined();
    expect(table.match('GET', '/nope')).toBeUndefined();
  });

  it('prefers the most specific route', () => {
    const specific = routeTable([
      { method: 'GET', path: '/v1/{id}/codes', name: 'param' },
      { method: 'GET', path: '/v1/special/codes', name: 'literal' },
    ]);
    expect(specific.match('GET', '/v1/special/codes')?.route.name).toBe('literal');
    expect(specific.match('GET', '/v1/other/codes')?.route.name).toBe('param');
  });
});
