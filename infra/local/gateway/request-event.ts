import { randomBytes } from 'node:crypto';
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2,
  APIGatewayRequestAuthorizerEventV2,
} from 'aws-lambda';

/**
 * Turns an HTTP request into the events an API Gateway HTTP API sends (payload format 2.0):
 * the route's integration event and the Lambda authorizer's REQUEST event. Behaviour copied from
 * the documented format (docs.aws.amazon.com/apigateway/latest/developerguide/
 * http-api-develop-integrations-lambda.html, http-api-lambda-authorizer.html): lower-case header
 * names, repeated headers and query values joined with commas, the Cookie header moved into
 * `cookies`, `queryStringParameters`/`pathParameters`/`body` left out when there are none.
 */

/** An HTTP request as the gateway received it, independent of node:http. */
export interface GatewayRequest {
  method: string;
  /** The request target as sent: path plus optional `?query`. */
  target: string;
  /** Header values by lower-case name, in arrival order (node's `headersDistinct`). */
  headers: Record<string, string[]>;
  body: Buffer;
  sourceIp: string;
  /** e.g. `HTTP/1.1`. */
  protocol: string;
  /** The port the gateway listens on (the `x-forwarded-port` API Gateway adds). */
  port: number;
}

export interface EventIdentity {
  /** API Gateway's request id (also sent back in the `apigw-requestid` header). */
  requestId: string;
  routeKey: string;
  pathParameters: Record<string, string>;
  now: Date;
}

export const LOCAL_API_ID = 'local';

/** An id in API Gateway's shape: 16 base64 characters, e.g. `JKJaXmPLvHcESHA=`. */
export const newApiRequestId = (): string => randomBytes(11).toString('base64');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `requestContext.time`: `21/Nov/2026:22:09:00 +0000` (CLF format, always UTC). */
export function requestTime(now: Date): string {
  return (
    `${pad(now.getUTCDate())}/${MONTHS[now.getUTCMonth()]}/${now.getUTCFullYear()}:` +
    `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} +0000`
  );
}

/** The client's address as an IPv4 string when it is one (`::ffff:127.0.0.1` → `127.0.0.1`). */
export function normalizeIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  if (address === '::1') return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * Media types HTTP APIs pass to Lambda as UTF-8 text; every other body — including one with no
 * Content-Type and, perhaps surprisingly, `application/x-www-form-urlencoded` — arrives base64
 * encoded with `isBase64Encoded: true`. The AWS docs do not list them; this split was verified
 * against real AWS in github.com/ministackorg/ministack/pull/766.
 */
const TEXT_MEDIA_TYPES = new Set(['application/json', 'application/xml', 'application/javascript']);

export function isTextMediaType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (!mediaType) return false;
  return mediaType.startsWith('text/') || TEXT_MEDIA_TYPES.has(mediaType);
}

function splitTarget(target: string): { rawPath: string; rawQueryString: string } {
  const question = target.indexOf('?');
  return question < 0
    ? { rawPath: target, rawQueryString: '' }
    : { rawPath: target.slice(0, question), rawQueryString: target.slice(question + 1) };
}

function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    if (!name) continue;
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

function traceId(now: Date): string {
  const epoch = Math.floor(now.getTime() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')}`;
}

/** Headers joined with commas, Cookie removed (it becomes `cookies`), API Gateway's own added. */
function eventHeaders(
  request: GatewayRequest,
  now: Date,
): { headers: Record<string, string>; cookies?: string[] } {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, values] of Object.entries(request.headers)) {
    if (name === 'cookie') {
      cookies = values.flatMap((value) => value.split(';').map((cookie) => cookie.trim())).filter(Boolean);
      continue;
    }
    headers[name] = values.join(',');
  }
  const forwardedFor = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${request.sourceIp}` : request.sourceIp;
  headers['x-forwarded-port'] = String(request.port);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= traceId(now);
  return cookies && cookies.length > 0 ? { headers, cookies } : { headers };
}

function requestContext(request: GatewayRequest, identity: EventIdentity): APIGatewayEventRequestContextV2 {
  const host = request.headers.host?.[0] ?? `127.0.0.1:${request.port}`;
  const domainName = host.replace(/:\d+$/, '');
  return {
    accountId: '000000000000',
    apiId: LOCAL_API_ID,
    domainName,
    domainPrefix: domainName.split('.')[0] ?? domainName,
    http: {
      method: request.method,
      path: splitTarget(request.target).rawPath,
      protocol: request.protocol,
      sourceIp: request.sourceIp,
      userAgent: request.headers['user-agent']?.join(',') ?? '',
    },
    requestId: identity.requestId,
    routeKey: identity.routeKey,
    stage: '$default',
    time: requestTime(identity.now),
    timeEpoch: identity.now.getTime(),
  };
}

/** The parts both events share: the request as seen by API Gateway, minus the body. */
function commonFields(request: GatewayRequest, identity: EventIdentity) {
  const { rawPath, rawQueryString } = splitTarget(request.target);
  const queryStringParameters = queryParameters(rawQueryString);
  const hasPathParameters = Object.keys(identity.pathParameters).length > 0;
  return {
    version: '2.0' as const,
    routeKey: identity.routeKey,
    rawPath,
    rawQueryString,
    ...eventHeaders(request, identity.now),
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(hasPathParameters ? { pathParameters: { ...identity.pathParameters } } : {}),
    requestContext: requestContext(request, identity),
  };
}

/**
 * The event a route's function receives. `authorizerContext` is what the Lambda authorizer
 * returned as `context`; API Gateway hands it on as `requestContext.authorizer.lambda`.
 */
export function httpApiEvent(
  request: GatewayRequest,
  identity: EventIdentity,
  authorizerContext?: Record<string, unknown>,
): APIGatewayProxyEventV2 & { requestContext: { authorizer?: { lambda: Record<string, unknown> } } } {
  const common = commonFields(request, identity);
  const text = isTextMediaType(request.headers['content-type']?.[0]);
  const body =
    request.body.length === 0
      ? {}
      : { body: text ? request.body.toString('utf8') : request.body.toString('base64') };
  return {
    ...common,
    ...body,
    isBase64Encoded: request.body.length > 0 && !text,
    requestContext: {
      ...common.requestContext,
      ...(authorizerContext ? { authorizer: { lambda: authorizerContext } } : {}),
    },
  };
}

/** The ARN API Gateway puts in `routeArn`: `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`. */
export function routeArn(region: string, method: string, rawPath: string): string {
  return `arn:aws:execute-api:${region}:000000000000:${LOCAL_API_ID}/$default/${method}${rawPath}`;
}

/**
 * The Lambda authorizer's event (HTTP API, payload 2.0, identity source
 * `$request.header.Authorization`): the request without its body, plus the identity source values.
 */
export function authorizerEvent(
  request: GatewayRequest,
  identity: EventIdentity,
  region: string,
): APIGatewayRequestAuthorizerEventV2 {
  const common = commonFields(request, identity);
  return {
    ...common,
    type: 'REQUEST',
    routeArn: routeArn(region, request.method, common.rawPath),
    identitySource: [common.headers.authorization ?? ''],
    // Typed as always present (@types/aws-lambda); the optional maps stay out when empty, as above.
    cookies: common.cookies ?? [],
  };
}
