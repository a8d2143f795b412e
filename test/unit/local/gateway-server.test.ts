import {
  APIGatewayProxyEventV2Schema,
  APIGatewayRequestAuthorizerEventV2Schema,
} from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Gateway,
  type GatewayRoute,
  MAX_PAYLOAD_BYTES,
  startGateway,
} from '../../../infra/local/gateway/server.ts';
import {
  createInvoker,
  type LambdaHandler,
  type LocalFunction,
} from '../../../infra/local/runtime/local-function.ts';

// Tiny in-test handlers stand in for the real functions: this file checks the gateway's own
// behaviour (events, authorizer flow, response conversion), not the service.
interface Call {
  event: Record<string, unknown> & { requestContext: Record<string, unknown> };
  context: Context;
}
const calls: Record<string, Call[]> = {};
const recording =
  (name: string, reply: (event: Call['event']) => unknown): LambdaHandler =>
  async (event, context) => {
    calls[name] = [...(calls[name] ?? []), { event, context }];
    return reply(event);
  };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const functions: Record<string, LocalFunction> = {
  authorizer: {
    name: 'authorizer',
    timeoutMs: 5000,
    handler: recording('authorizer', (event) => {
      const header = (event.headers as Record<string, string>).authorization;
      if (header === 'Bearer boom') throw new Error('authorizer crashed');
      if (header === 'Bearer odd') return { allow: true };
      return header === 'Bearer good'
        ? { isAuthorized: true, context: { sub: 'user-1', isSupreme: true } }
        : { isAuthorized: false, context: {} };
    }),
  },
  plain: { name: 'plain', timeoutMs: 5000, handler: recording('plain', () => ({ status: 'ok' })) },
  structured: {
    name: 'structured',
    timeoutMs: 5000,
    handler: recording('structured', (event) => ({
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'x-seen': String(event.rawQueryString) },
      cookies: ['session=1; Path=/'],
      body: JSON.stringify({ echoed: event.body ?? null, base64: event.isBase64Encoded }),
    })),
  },
  crash: {
    name: 'crash',
    timeoutMs: 5000,
    handler: recording('crash', () => {
      throw new Error('function crashed');
    }),
  },
  slow: { name: 'slow', timeoutMs: 30, handler: async () => sleep(300).then(() => ({ late: true })) },
  hangs: { name: 'hangs', timeoutMs: 5000, handler: async () => sleep(300).then(() => ({ late: true })) },
};

const routes: GatewayRoute[] = [
  { method: 'GET', path: '/open', function: 'plain', authorized: false },
  { method: 'GET', path: '/v1/{campaignId}/guarded', function: 'plain', authorized: true },
  { method: 'POST', path: '/v1/{campaignId}/echo', function: 'structured', authorized: true },
  { method: 'GET', path: '/crash', function: 'crash', authorized: false },
  { method: 'GET', path: '/slow', function: 'slow', authorized: false },
  { method: 'GET', path: '/hangs', function: 'hangs', authorized: false },
  { method: 'GET', path: '/starting', function: 'not-loaded-yet', authorized: false },
];

let gateway: Gateway;
const log: string[] = [];

beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    routes,
    functionNamed: (name) => functions[name],
    authorizer: 'authorizer',
    invoke: createInvoker(),
    integrationTimeoutMs: 100,
    localEndpoints: [
      {
        method: 'GET',
        path: '/dev/ping',
        handle: () => ({
          statusCode: 200,
          headers: { 'content-type': 'text/plain' },
          body: Buffer.from('pong'),
        }),
      },
    ],
    log: (line) => log.push(line),
  });
});
afterAll(() => gateway.close());
beforeEach(() => {
  for (const name of Object.keys(calls)) delete calls[name];
});

const call = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${gateway.url}${path}`, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
};
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('local API Gateway', () => {
  it('invokes an open route with a valid payload 2.0 event and a Lambda context', async () => {
    const reply = await call('/open?x=1&x=2');
    expect(reply).toMatchObject({ status: 200, text: '{"status":"ok"}' });
    expect(reply.headers.get('content-type')).toBe('application/json');
    const { event, context } = calls.plain![0]!;
    expect(APIGatewayProxyEventV2Schema.parse(event)).toBeTruthy();
    expect(event).toMatchObject({
      routeKey: 'GET /open',
      rawPath: '/open',
      queryStringParameters: { x: '1,2' },
    });
    expect(reply.headers.get('apigw-requestid')).toBe(event.requestContext.requestId);
    expect(context.functionName).toBe('plain');
    expect(context.functionVersion).toBe('$LATEST');
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:plain');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5000);
  });

  it('answers 401 without invoking the authorizer when there is no Authorization header', async () => {
    const reply = await call('/v1/c1/guarded');
    expect(reply).toMatchObject({ status: 401, text: '{"message":"Unauthorized"}' });
    expect(calls.authorizer).toBeUndefined();
    expect(calls.plain).toBeUndefined();
  });

  it('answers 403 when the authorizer denies, and never reaches the function', async () => {
    const reply = await call('/v1/c1/guarded', bearer('bad'));
    expect(reply).toMatchObject({ status: 403, text: '{"message":"Forbidden"}' });
    expect(calls.authorizer).toHaveLength(1);
    expect(calls.plain).toBeUndefined();
  });

  it('runs the authorizer with a REQUEST event and passes its context on to the function', async () => {
    const reply = await call('/v1/c%2F1/guarded', bearer('good'));
    expect(reply.status).toBe(200);
    const authorizerCall = calls.authorizer![0]!;
    expect(APIGatewayRequestAuthorizerEventV2Schema.parse(authorizerCall.event)).toBeTruthy();
    expect(authorizerCall.event).toMatchObject({
      type: 'REQUEST',
      identitySource: ['Bearer good'],
      routeKey: 'GET /v1/{campaignId}/guarded',
      pathParameters: { campaignId: 'c/1' },
    });
    const { event } = calls.plain![0]!;
    expect(APIGatewayProxyEventV2Schema.parse(event)).toBeTruthy();
    expect(event.requestContext.authorizer).toEqual({ lambda: { sub: 'user-1', isSupreme: true } });
    expect(event.pathParameters).toEqual({ campaignId: 'c/1' });
  });

  it('answers 500 when the authorizer fails or answers in the wrong shape', async () => {
    expect(await call('/v1/c1/guarded', bearer('boom'))).toMatchObject({
      status: 500,
      text: '{"message":"Internal Server Error"}',
    });
    expect(await call('/v1/c1/guarded', bearer('odd'))).toMatchObject({ status: 500 });
    expect(calls.plain).toBeUndefined();
  });

  it('writes a structured result back with its status, headers and cookies; text bodies arrive as text', async () => {
    const reply = await call('/v1/c1/echo?a=b', {
      method: 'POST',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json' },
      body: '{"codes":["A"]}',
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('x-seen')).toBe('a=b');
    expect(reply.headers.getSetCookie()).toEqual(['session=1; Path=/']);
    expect(JSON.parse(reply.text)).toEqual({ echoed: '{"codes":["A"]}', base64: false });
  });

  it('hands binary bodies over base64-encoded', async () => {
    const reply = await call('/v1/c1/echo', {
      method: 'POST',
      headers: { authorization: 'Bearer good', 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 255, 1, 254]),
    });
    expect(JSON.parse(reply.text)).toEqual({ echoed: 'AP8B/g==', base64: true });
  });

  it('answers 404 for unknown routes and for known paths with another method', async () => {
    expect(await call('/nowhere')).toMatchObject({ status: 404, text: '{"message":"Not Found"}' });
    expect(await call('/open', { method: 'POST' })).toMatchObject({
      status: 404,
      text: '{"message":"Not Found"}',
    });
  });

  it('answers 500 when the function throws or runs past its timeout', async () => {
    expect(await call('/crash')).toMatchObject({ status: 500, text: '{"message":"Internal Server Error"}' });
    expect(await call('/slow')).toMatchObject({ status: 500, text: '{"message":"Internal Server Error"}' });
    expect(log.some((line) => line.includes('slow: Task timed out after 0.03 seconds'))).toBe(true);
  });

  it('answers 503 when the integration does not answer in time, or the stack is still starting', async () => {
    expect(await call('/hangs')).toMatchObject({ status: 503, text: '{"message":"Service Unavailable"}' });
    expect(await call('/starting')).toMatchObject({ status: 503, text: '{"message":"Service Unavailable"}' });
  });

  it('serves local-only endpoints itself', async () => {
    expect(await call('/dev/ping')).toMatchObject({ status: 200, text: 'pong' });
  });

  it('refuses payloads above 10 MB with 413', async () => {
    const reply = await call('/open', { method: 'POST', body: new Uint8Array(MAX_PAYLOAD_BYTES + 1) });
    expect(reply).toMatchObject({ status: 413, text: '{"message":"Request Entity Too Large"}' });
  });
});
