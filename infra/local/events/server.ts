import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal } from '../listen.ts';
import { readBody } from '../read-body.ts';

/**
 * A local stand-in for the service's EventBridge bus (contract §6b, §7): the subset of the
 * EventBridge API the SDK's PutEventsCommand uses (AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`),
 * so the functions publish unchanged with `AWS_ENDPOINT_URL_EVENTBRIDGE` pointing here. Requests are
 * not authenticated (any credentials do). Each accepted event is printed and kept (the latest
 * LOCAL_EVENTS_KEPT) in EventBridge's own envelope; `GET /dev/events?detailType=` lists them.
 * Entries are checked as EventBridge does: 1–10 per call; each needs Source, DetailType and a Detail
 * that is a JSON object, and must name this bus (its name or ARN); a bad entry fails alone.
 */
export const LOCAL_EVENTS_KEPT = 1000;
export const DEV_EVENTS_PATH = '/dev/events';
const MAX_ENTRIES = 10;

/** An event as EventBridge delivers it to a rule's target. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface LocalEventBridgeOptions {
  busName: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  region?: string;
  /** One line per accepted event (the local stack prints it on the console). */
  log?: (line: string) => void;
}

export interface LocalEventBridge {
  /** For `AWS_ENDPOINT_URL_EVENTBRIDGE` or an EventBridgeClient's `endpoint`. */
  endpoint: string;
  busName: string;
  /** The latest events, oldest first; only those of one detail type when given. */
  events(detailType?: string): BusEvent[];
  stop(): Promise<void>;
}

const LOCAL_ACCOUNT = '000000000000';

interface Entry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export async function startLocalEventBridge(options: LocalEventBridgeOptions): Promise<LocalEventBridge> {
  const region = options.region ?? 'us-east-1';
  const busArn = `arn:aws:events:${region}:${LOCAL_ACCOUNT}:event-bus/${options.busName}`;
  const kept: BusEvent[] = [];

  const accept = (entry: Entry): EntryResult => {
    const bus = entry.EventBusName ?? 'default';
    if (bus !== options.busName && bus !== busArn) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: `Event bus ${String(bus)} does not exist.` };
    }
    if (typeof entry.Source !== 'string' || entry.Source === '') {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid.' };
    }
    if (typeof entry.DetailType !== 'string' || entry.DetailType === '') {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid.' };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(String(entry.Detail));
    } catch {
      detail = undefined;
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: LOCAL_ACCOUNT,
      // The SDK sends Time as epoch seconds.
      time: new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : Date.now()).toISOString(),
      region,
      resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
      detail: detail as Record<string, unknown>,
    };
    kept.push(event);
    if (kept.length > LOCAL_EVENTS_KEPT) kept.splice(0, kept.length - LOCAL_EVENTS_KEPT);
    options.log?.(`${event['detail-type']} from ${event.source}: ${JSON.stringify(event.detail)}`);
    return { EventId: event.id };
  };

  const events = (detailType?: string) =>
    detailType === undefined ? [...kept] : kept.filter((event) => event['detail-type'] === detailType);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === DEV_EVENTS_PATH) {
      return reply(res, 200, { events: events(url.searchParams.get('detailType') ?? undefined) });
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
      return awsError(
        res,
        400,
        'UnknownOperationException',
        `Operation ${target || req.url} is not supported`,
      );
    }
    let body: { Entries?: unknown };
    try {
      body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
    } catch {
      return awsError(res, 400, 'SerializationException', 'Request body is not valid JSON');
    }
    const entries = body.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
      return awsError(
        res,
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    const results = entries.map((entry: Entry) => accept(entry ?? {}));
    return reply(res, 200, {
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
      Entries: results,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) awsError(res, 500, 'InternalException', (error as Error).message);
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listenLocal(server, options.port, host);
  return {
    endpoint: `http://${host}:${port}`,
    busName: options.busName,
    events,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}

function awsError(res: ServerResponse, status: number, type: string, message: string) {
  reply(res, status, { __type: type, message }, { 'x-amzn-errortype': type });
}
