import { randomUUID } from 'node:crypto';
import type { Caller } from '../../lib/auth/caller.ts';
import type { ApiEvent } from '../../lib/http/caller.ts';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Route template, e.g. `/v1/{campaignId}/reserve`. */
  route: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  /** A raw body string, sent as is (malformed JSON tests). */
  rawBody?: string;
  /** The authorizer's context; omit for a supreme caller, `null` for a route without authorizer. */
  auth?: Caller | null;
}

export const SUPREME: Caller = { sub: 'supreme-user', isSupreme: true };

/** An API Gateway HTTP API (payload 2.0) event as the real service receives it. */
export function apiEvent(request: ApiRequest): ApiEvent {
  const path = request.route.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(request.pathParameters?.[name] ?? ''),
  );
  const query = new URLSearchParams(request.query ?? {}).toString();
  const hasBody = request.body !== undefined || request.rawBody !== undefined;
  const headers: Record<string, string> = {
    host: 'api.example.com',
    'user-agent': 'vitest',
    ...(hasBody ? { 'content-type': 'application/json' } : {}),
    ...Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const now = new Date();
  const auth = request.auth === undefined ? SUPREME : request.auth;
  return {
    version: '2.0',
    routeKey: `${request.method} ${request.route}`,
    rawPath: path,
    rawQueryString: query,
    headers,
    ...(request.query ? { queryStringParameters: { ...request.query } } : {}),
    ...(request.pathParameters ? { pathParameters: { ...request.pathParameters } } : {}),
    ...(hasBody
      ? { body: request.rawBody ?? JSON.stringify(request.body), isBase64Encoded: false }
      : { isBase64Encoded: false }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api123',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method: request.method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'vitest',
      },
      requestId: randomUUID(),
      routeKey: `${request.method} ${request.route}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(auth ? { authorizer: { lambda: auth } } : {}),
    },
  } as ApiEvent;
}
