import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { listenLocal } from '../listen.ts';
import { readBody } from '../read-body.ts';
import { lambdaContext } from '../runtime/lambda-context.ts';

/**
 * A local Lambda `Invoke` endpoint: the subset of the Lambda API the SDK's InvokeCommand uses,
 * so code that hands work to another function (route 1 → importer) runs unchanged locally with
 * `AWS_ENDPOINT_URL_LAMBDA` pointing here. Requests are not authenticated (any credentials do).
 *
 * - `POST /2015-03-31/functions/{name}/invocations`, `{name}` a name or an ARN (`:qualifier` ignored).
 * - `X-Amz-Invocation-Type: Event` → 202 at once; the function runs in the background and, when
 *   it fails, is retried twice like Lambda's asynchronous invocation (same request id).
 * - `RequestResponse` (the default) → 200 with the JSON result, or 200 with
 *   `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage, trace}` when it throws.
 * - `DryRun` → 204; an unknown function → 404 `ResourceNotFoundException`.
 */
// biome-ignore lint/suspicious/noExplicitAny: a Lambda handler accepts whatever event its caller sends.
export type InvokeHandler = (event: any, context: Context) => unknown;

export interface LambdaInvokeServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Function name → handler. */
  functions: Record<string, InvokeHandler>;
  /** Called for every failed run, asynchronous retries included (default: nothing). */
  onError?: (functionName: string, error: unknown, info: { attempt: number; async: boolean }) => void;
  /**
   * Pauses before the retries of a failed asynchronous invocation. Lambda waits 1 and 2 minutes;
   * the local default is shorter so a developer sees the outcome, `[]` disables retries.
   */
  retryDelaysMs?: readonly number[];
  /** The timeout the context's getRemainingTimeInMillis counts down from (default 15 min). */
  timeoutMs?: number;
}

export interface LambdaInvokeServer {
  /** For `AWS_ENDPOINT_URL_LAMBDA` or a LambdaClient's `endpoint`. */
  endpoint: string;
  port: number;
  /** Resolves when no asynchronous invocation is running or waiting for a retry. */
  idle(): Promise<void>;
  /**
   * The stack is stopping: failed asynchronous invocations are no longer retried (Lambda would
   * retry later; here the import record says where the next delivery or route 1 resumes).
   */
  stopRetrying(): void;
  /** Stops accepting invocations (background runs are not interrupted). */
  stop(): Promise<void>;
}

const INVOCATIONS_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const DEFAULT_RETRY_DELAYS_MS = [1000, 2000];
const DEFAULT_TIMEOUT_MS = 15 * 60_000;

/** `my-fn`, `my-fn:live`, `123456789012:function:my-fn`, `arn:aws:lambda:…:function:my-fn:3` → `my-fn`. */
export function functionNameOf(nameOrArn: string): string {
  const marker = nameOrArn.indexOf(':function:');
  const rest = marker === -1 ? nameOrArn : nameOrArn.slice(marker + ':function:'.length);
  return rest.split(':')[0] ?? rest;
}

/** Counts asynchronous invocations running or waiting for a retry, and wakes idle() waiters at zero. */
class BackgroundRuns {
  private running = 0;
  private waiters: (() => void)[] = [];

  started(): void {
    this.running++;
  }

  settled(): void {
    if (--this.running > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  idle(): Promise<void> {
    return this.running === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/** What every invocation needs from the endpoint's settings, resolved once at start. */
interface InvokeContext {
  functions: Record<string, InvokeHandler>;
  onError: NonNullable<LambdaInvokeServerOptions['onError']>;
  retryDelays: readonly number[];
  timeoutMs: number;
  background: BackgroundRuns;
  /** Aborted by stopRetrying(): pending retries give up. */
  retrying: AbortController;
}

const run = (
  endpoint: InvokeContext,
  name: string,
  handler: InvokeHandler,
  event: unknown,
  requestId: string,
) => handler(event, lambdaContext({ functionName: name, timeoutMs: endpoint.timeoutMs, requestId }));

/** An `Event` invocation: runs, and on failure retries after each of the delays (same request id). */
async function runInBackground(
  endpoint: InvokeContext,
  name: string,
  handler: InvokeHandler,
  event: unknown,
): Promise<void> {
  const requestId = randomUUID();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await run(endpoint, name, handler, event, requestId);
        return;
      } catch (error) {
        endpoint.onError(name, error, { attempt, async: true });
        const delay = endpoint.retryDelays[attempt - 1];
        if (delay === undefined) return; // Lambda would now hand the event to the dead-letter queue.
        if (endpoint.retrying.signal.aborted) return;
        const stopped = await sleep(delay, false, { signal: endpoint.retrying.signal }).catch(() => true);
        if (stopped) return;
      }
    }
  } finally {
    endpoint.background.settled();
  }
}

/** A `RequestResponse` invocation: the result, or the runtime's Unhandled error document. */
async function runAndReply(
  endpoint: InvokeContext,
  res: ServerResponse,
  name: string,
  handler: InvokeHandler,
  event: unknown,
): Promise<void> {
  try {
    const result = await run(endpoint, name, handler, event, randomUUID());
    reply(res, 200, result ?? null, { 'x-amz-executed-version': '$LATEST' });
  } catch (error) {
    endpoint.onError(name, error, { attempt: 1, async: false });
    const failure = error instanceof Error ? error : new Error(String(error));
    reply(
      res,
      200,
      { errorType: failure.name, errorMessage: failure.message, trace: (failure.stack ?? '').split('\n') },
      { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
    );
  }
}

/** One Invoke request: find the function, parse the payload, run it as the invocation type says. */
async function handleInvoke(
  endpoint: InvokeContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const match =
    req.method === 'POST' ? INVOCATIONS_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname) : null;
  if (!match) {
    const message = `No such Lambda API operation: ${req.method} ${req.url}`;
    return reply(res, 404, { message }, { 'x-amzn-errortype': 'UnknownOperationException' });
  }
  const name = functionNameOf(decodeURIComponent(match[1]!));
  const handler = endpoint.functions[name];
  if (!handler) {
    return reply(
      res,
      404,
      { Type: 'User', message: `Function not found: ${name}` },
      { 'x-amzn-errortype': 'ResourceNotFoundException' },
    );
  }
  const payload = await readBody(req);
  let event: unknown;
  try {
    event = payload.length === 0 ? {} : JSON.parse(payload.toString('utf8'));
  } catch {
    return reply(
      res,
      400,
      { Type: 'User', message: 'Could not parse request body into json' },
      { 'x-amzn-errortype': 'InvalidRequestContentException' },
    );
  }
  const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (invocationType === 'DryRun') return reply(res, 204, undefined);
  if (invocationType === 'Event') {
    endpoint.background.started();
    reply(res, 202, undefined);
    void runInBackground(endpoint, name, handler, event);
    return;
  }
  await runAndReply(endpoint, res, name, handler, event);
}

export async function startLambdaInvokeServer(
  options: LambdaInvokeServerOptions,
): Promise<LambdaInvokeServer> {
  const endpoint: InvokeContext = {
    functions: options.functions,
    onError: options.onError ?? (() => {}),
    retryDelays: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    background: new BackgroundRuns(),
    retrying: new AbortController(),
  };
  const server = createServer((req, res) => {
    handleInvoke(endpoint, req, res).catch((error: unknown) => {
      if (!res.headersSent)
        reply(res, 500, { message: (error as Error).message }, { 'x-amzn-errortype': 'ServiceException' });
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listenLocal(server, options.port, host);
  return {
    endpoint: `http://${host}:${port}`,
    port,
    idle: () => endpoint.background.idle(),
    stopRetrying: () => endpoint.retrying.abort(),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}
