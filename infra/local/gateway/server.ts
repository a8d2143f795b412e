import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CORRELATION_HEADER, correlationIdOf } from '../../../lib/http/correlation.ts';
import { listenLocal } from '../listen.ts';
import type { Invocable, Invoker, LocalFunction } from '../runtime/local-function.ts';
import {
  authorizerEvent,
  type EventIdentity,
  type GatewayRequest,
  httpApiEvent,
  newApiRequestId,
  normalizeIp,
} from './request-event.ts';
import {
  type ConvertedResponse,
  fromFunctionResult,
  GatewayErrors,
  type GatewayResponse,
} from './response.ts';
import { type RouteDefinition, type RouteMatch, routeTable } from './route-table.ts';

/** A route of the route table (infra/routes.ts): which function serves it, and whether it is guarded. */
export interface GatewayRoute extends RouteDefinition {
  function: string;
  authorized: boolean;
}

/** A local-only endpoint served by the gateway itself (`POST /dev/token`); never deployed. */
export interface LocalEndpoint {
  method: string;
  path: string;
  handle(request: GatewayRequest): Promise<GatewayResponse> | GatewayResponse;
}

export interface GatewayOptions<F extends Invocable = LocalFunction> {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  routes: readonly GatewayRoute[];
  /** The function a route names; undefined while the stack is still starting (answered with 503). */
  functionNamed: (name: string) => F | undefined;
  /** The function acting as the routes' Lambda authorizer. */
  authorizer: string;
  invoke: Invoker<F>;
  localEndpoints?: readonly LocalEndpoint[];
  region?: () => string;
  /** API Gateway's integration timeout: 30 s (a slower integration is answered with 503). */
  integrationTimeoutMs?: number;
  /** One line per request, and the reason behind every 5xx the gateway produces itself. */
  log?: (line: string) => void;
  /** Each answered request, for the metrics API Gateway keeps per route. */
  onRequest?: (request: AnsweredRequest) => void;
}

/** One answered request, as API Gateway's per-route metrics see it. */
export interface AnsweredRequest {
  /** `GET /v1/{campaignId}/reserve` when the route table matched; unset for anything else. */
  routeKey?: string | undefined;
  statusCode: number;
  latencyMs: number;
  /** When it arrived (epoch ms). */
  at: number;
}

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** API Gateway's payload limit. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
export const INTEGRATION_TIMEOUT_MS = 30_000;

class PayloadTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) throw new PayloadTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function write(res: ServerResponse, response: GatewayResponse, requestId: string): void {
  res.statusCode = response.statusCode;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('apigw-requestid', requestId);
  res.setHeader('content-length', response.body.length);
  res.end(response.body);
}

class IntegrationTimeout extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IntegrationTimeout()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** What every request needs from the gateway's settings, resolved once at start. */
interface GatewayContext {
  table: ReturnType<typeof routeTable<GatewayRoute>>;
  endpoints: ReturnType<typeof routeTable<LocalEndpoint>>;
  functionNamed: (name: string) => Invocable | undefined;
  authorizer: string;
  invoke: Invoker<Invocable>;
  region: () => string;
  integrationTimeoutMs: number;
  log: (line: string) => void;
  onRequest: (request: AnsweredRequest) => void;
}

/** Who answered a request (`by` names it) and, when the route table matched, the route's key. */
interface Routed {
  response: GatewayResponse;
  by: string;
  routeKey?: string;
}

/** Runs the authorizer: its context when allowed, else the response API Gateway sends instead. */
async function authorize(
  gateway: GatewayContext,
  request: GatewayRequest,
  identity: EventIdentity,
): Promise<{ context: Record<string, unknown> } | { denied: GatewayResponse }> {
  // Identity source `$request.header.Authorization`: when it is missing, API Gateway answers 401
  // without invoking the authorizer at all.
  if (!request.headers.authorization?.some((value) => value.trim() !== '')) {
    return { denied: GatewayErrors.unauthorized() };
  }
  const authorizer = gateway.functionNamed(gateway.authorizer);
  if (!authorizer) return { denied: GatewayErrors.serviceUnavailable() };
  let result: unknown;
  try {
    result = await gateway.invoke(authorizer, authorizerEvent(request, identity, gateway.region()));
  } catch (error) {
    gateway.log(`authorizer ${authorizer.name} failed: ${(error as Error).stack ?? String(error)}`);
    return { denied: GatewayErrors.internal() };
  }
  // Simple responses: `{ isAuthorized: boolean, context?: {...} }`; anything else is a 500.
  const simple = result as { isAuthorized?: unknown; context?: unknown } | null;
  if (simple === null || typeof simple !== 'object' || typeof simple.isAuthorized !== 'boolean') {
    gateway.log(`authorizer ${authorizer.name} returned a malformed response: ${JSON.stringify(result)}`);
    return { denied: GatewayErrors.internal() };
  }
  if (!simple.isAuthorized) return { denied: GatewayErrors.forbidden() };
  const context = simple.context && typeof simple.context === 'object' ? simple.context : {};
  return { context: context as Record<string, unknown> };
}

/** Invokes a route's function and converts its result the way API Gateway does. */
async function integrate(
  gateway: GatewayContext,
  fn: Invocable,
  event: unknown,
): Promise<{ response: GatewayResponse; by: string }> {
  const { integrationTimeoutMs, log } = gateway;
  let converted: ConvertedResponse;
  try {
    const result = await withTimeout(gateway.invoke(fn, event), integrationTimeoutMs);
    converted = fromFunctionResult(result);
  } catch (error) {
    if (error instanceof IntegrationTimeout) {
      log(`${fn.name} did not answer within ${integrationTimeoutMs} ms`);
      return { response: GatewayErrors.serviceUnavailable(), by: fn.name };
    }
    // A function error (thrown, rejected, timed out) is a 500 with API Gateway's generic body.
    log(`${fn.name} failed: ${(error as Error).stack ?? String(error)}`);
    return { response: GatewayErrors.internal(), by: fn.name };
  }
  if (converted.problem) log(`${fn.name} returned a malformed response: ${converted.problem}`);
  return { response: converted.response, by: fn.name };
}

/** Local endpoint, or route → authorizer (guarded routes) → function; `by` names who answered. */
async function route(gateway: GatewayContext, request: GatewayRequest, requestId: string): Promise<Routed> {
  const rawPath = request.target.split('?')[0]!;
  const local = gateway.endpoints.match(request.method, rawPath);
  if (local) return { response: await local.route.handle(request), by: 'local' };

  const match = gateway.table.match(request.method, rawPath);
  if (!match) return { response: GatewayErrors.notFound(), by: '-' };
  const routeKey = `${match.route.method} ${match.route.path}`;
  return { ...(await routeTo(gateway, request, { requestId, routeKey }, match)), routeKey };
}

/** A request the route table matched: its authorizer (guarded routes), then its function. */
async function routeTo(
  gateway: GatewayContext,
  request: GatewayRequest,
  { requestId, routeKey }: { requestId: string; routeKey: string },
  match: RouteMatch<GatewayRoute>,
): Promise<Routed> {
  const fn = gateway.functionNamed(match.route.function);
  if (!fn) return { response: GatewayErrors.serviceUnavailable(), by: 'starting' };

  const identity: EventIdentity = {
    requestId,
    routeKey,
    pathParameters: match.pathParameters,
    now: new Date(),
  };
  let authorizerContext: Record<string, unknown> | undefined;
  if (match.route.authorized) {
    const outcome = await authorize(gateway, request, identity);
    if ('denied' in outcome) return { response: outcome.denied, by: gateway.authorizer };
    authorizerContext = outcome.context;
  }
  return integrate(gateway, fn, httpApiEvent(request, identity, authorizerContext));
}

/** One HTTP request: read it (within the payload limit), route it, write the answer, log a line. */
async function serve(gateway: GatewayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const startedAt = Date.now();
  const requestId = newApiRequestId();
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    if (!(error instanceof PayloadTooLarge)) throw error;
    res.setHeader('connection', 'close');
    write(res, GatewayErrors.tooLarge(), requestId);
    return;
  }
  const request: GatewayRequest = {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    headers: req.headersDistinct as Record<string, string[]>,
    body,
    sourceIp: normalizeIp(req.socket.remoteAddress),
    protocol: `HTTP/${req.httpVersion}`,
    port: req.socket.localPort ?? 0,
  };
  const { response, by, routeKey } = await route(gateway, request, requestId).catch(
    (error: unknown): Routed => {
      gateway.log(`gateway error: ${(error as Error).stack ?? String(error)}`);
      return { response: GatewayErrors.internal(), by: 'gateway' };
    },
  );
  // Answers the gateway makes itself (401, 403, 404, 503, …) carry a correlation id like the
  // functions' own: the caller's when it sent an acceptable one.
  if (!Object.keys(response.headers).some((name) => name.toLowerCase() === CORRELATION_HEADER)) {
    response.headers[CORRELATION_HEADER] = correlationIdOf(req.headersDistinct[CORRELATION_HEADER]?.[0]);
  }
  write(res, response, requestId);
  const latencyMs = performance.now() - started;
  gateway.onRequest({ routeKey, statusCode: response.statusCode, latencyMs, at: startedAt });
  const ms = Math.round(latencyMs);
  gateway.log(`${request.method} ${request.target} → ${response.statusCode} ${by} ${ms} ms`);
}

/** Closes the server: idle keep-alive connections at once, requests in flight after a moment. */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}

/**
 * A local API Gateway (HTTP API): matches the route table, runs the Lambda authorizer first on
 * guarded routes exactly as API Gateway does, invokes the route's function with a payload 2.0
 * event and a Lambda context, and writes the result back the way API Gateway would.
 */
export async function startGateway<F extends Invocable>(options: GatewayOptions<F>): Promise<Gateway> {
  const gateway: GatewayContext = {
    table: routeTable(options.routes),
    endpoints: routeTable(options.localEndpoints ?? []),
    functionNamed: options.functionNamed,
    authorizer: options.authorizer,
    // The context only hands back what functionNamed gave it, so the function is always an F.
    invoke: options.invoke as Invoker<Invocable>,
    region: options.region ?? (() => process.env.AWS_REGION ?? 'us-east-1'),
    integrationTimeoutMs: options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS,
    log: options.log ?? (() => {}),
    onRequest: options.onRequest ?? (() => {}),
  };
  const server = createServer((req, res) => {
    serve(gateway, req, res).catch((error: unknown) => {
      gateway.log(`gateway error: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) write(res, GatewayErrors.internal(), 'error');
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listenLocal(server, options.port, host);
  let closed: Promise<void> | undefined;
  // Once: the stack's stop begins with it and ends with it again.
  return { url: `http://${host}:${port}`, port, close: () => (closed ??= closeServer(server)) };
}
