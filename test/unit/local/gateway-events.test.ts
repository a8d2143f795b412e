import {
  APIGatewayProxyEventV2Schema,
  APIGatewayRequestAuthorizerEventV2Schema,
} from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { describe, expect, it } from 'vitest';
import {
  authorizerEvent,
  type EventIdentity,
  type GatewayRequest,
  httpApiEvent,
  isTextMediaType,
  requestTime,
} from '../../../infra/local/gateway/request-event.ts';

const now = new Date('2026-11-21T07:05:09.042Z');

const request = (overrides: Partial<GatewayRequest> = {}): GatewayRequest => ({
  method: 'POST',
  target: '/v1/camp%201/assign?type=tm&tag=a&tag=b&empty=&q=a%2Bb+c',
  headers: {
    host: ['127.0.0.1:3000'],
    'user-agent': ['curl/8.5.0'],
    'content-type': ['application/json'],
    accept: ['application/json', 'text/plain'],
    cookie: ['a=1; b=2', 'c=3'],
    authorization: ['Bearer abc'],
  },
  body: Buffer.from('{"codes":["A"]}'),
  sourceIp: '127.0.0.1',
  protocol: 'HTTP/1.1',
  port: 3000,
  ...overrides,
});

const identity: EventIdentity = {
  requestId: 'JKJaXmPLvHcESHA=',
  routeKey: 'POST /v1/{campaignId}/assign',
  pathParameters: { campaignId: 'camp 1' },
  now,
};

describe('API Gateway HTTP API events (payload 2.0)', () => {
  it('builds the integration event the Powertools schema accepts, with every documented transformation', () => {
    const event = httpApiEvent(request(), identity, { sub: 'u1', isSupreme: true });
    expect(APIGatewayProxyEventV2Schema.parse(event)).toBeTruthy();
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /v1/{campaignId}/assign',
      rawPath: '/v1/camp%201/assign',
      rawQueryString: 'type=tm&tag=a&tag=b&empty=&q=a%2Bb+c',
      cookies: ['a=1', 'b=2', 'c=3'],
      queryStringParameters: { type: 'tm', tag: 'a,b', empty: '', q: 'a+b c' },
      pathParameters: { campaignId: 'camp 1' },
      body: '{"codes":["A"]}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: '127.0.0.1',
        http: {
          method: 'POST',
          path: '/v1/camp%201/assign',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8.5.0',
        },
        requestId: 'JKJaXmPLvHcESHA=',
        routeKey: 'POST /v1/{campaignId}/assign',
        stage: '$default',
        time: '21/Nov/2026:07:05:09 +0000',
        timeEpoch: now.getTime(),
        authorizer: { lambda: { sub: 'u1', isSupreme: true } },
      },
    });
    expect(event.headers).toMatchObject({
      accept: 'application/json,text/plain',
      authorization: 'Bearer abc',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-port': '3000',
      'x-forwarded-proto': 'http',
    });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  it('leaves out what a request does not have: query, path parameters, cookies, body, authorizer', () => {
    const event = httpApiEvent(
      request({
        method: 'GET',
        target: '/heartbeat',
        headers: { host: ['localhost:3000'] },
        body: Buffer.alloc(0),
      }),
      { ...identity, routeKey: 'GET /heartbeat', pathParameters: {} },
    );
    expect(APIGatewayProxyEventV2Schema.parse(event)).toBeTruthy();
    for (const absent of ['queryStringParameters', 'pathParameters', 'cookies', 'body', 'stageVariables']) {
      expect(event).not.toHaveProperty(absent);
    }
    expect(event.isBase64Encoded).toBe(false);
    expect(event.rawQueryString).toBe('');
    expect(event.requestContext).not.toHaveProperty('authorizer');
    expect(event.requestContext.http.userAgent).toBe('');
  });

  it('base64-encodes bodies that are not text, as HTTP APIs do', () => {
    const binary = Buffer.from([0, 255, 1, 254]);
    for (const contentType of [undefined, 'application/octet-stream', 'application/x-www-form-urlencoded']) {
      const headers: Record<string, string[]> = contentType ? { 'content-type': [contentType] } : {};
      const event = httpApiEvent(request({ headers, body: binary }), identity);
      expect(event.isBase64Encoded).toBe(true);
      expect(event.body).toBe('AP8B/g==');
    }
  });

  it('knows which media types travel as text', () => {
    expect(isTextMediaType('application/json; charset=utf-8')).toBe(true);
    expect(isTextMediaType('TEXT/CSV')).toBe(true);
    expect(isTextMediaType('application/xml')).toBe(true);
    expect(isTextMediaType('application/javascript')).toBe(true);
    expect(isTextMediaType('application/octet-stream')).toBe(false);
    expect(isTextMediaType('application/x-www-form-urlencoded')).toBe(false);
    expect(isTextMediaType(undefined)).toBe(false);
  });

  it('formats requestContext.time like API Gateway', () => {
    expect(requestTime(new Date('2026-01-02T03:04:05Z'))).toBe('02/Jan/2026:03:04:05 +0000');
  });

  it('builds the authorizer REQUEST event the Powertools schema accepts', () => {
    const event = authorizerEvent(request(), identity, 'us-east-1');
    expect(APIGatewayRequestAuthorizerEventV2Schema.parse(event)).toBeTruthy();
    expect(event).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:us-east-1:000000000000:local/$default/POST/v1/camp%201/assign',
      identitySource: ['Bearer abc'],
      routeKey: 'POST /v1/{campaignId}/assign',
      rawPath: '/v1/camp%201/assign',
      cookies: ['a=1', 'b=2', 'c=3'],
      pathParameters: { campaignId: 'camp 1' },
    });
    expect(event).not.toHaveProperty('body');
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });
});
