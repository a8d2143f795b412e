import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type AlarmSpec, alarmTable } from '../alarms.ts';
import { CONTEXT_DEFAULTS } from '../config.ts';
import {
  EXPORTER_FUNCTION,
  FUNCTIONS,
  type FunctionId,
  IMPORT_TRIGGER,
  IMPORTER_FUNCTION,
  PURGER_FUNCTION,
  ROUTES,
} from '../routes.ts';
import { FUNCTION_SETTINGS, kebabCase } from '../stacks/function-settings.ts';
import { devAuthEndpoints } from './auth/endpoints.ts';
import { generateSigningKey, loadOrCreateSigningKey, type SigningKey } from './auth/keys.ts';
import { mintToken, type TokenClaims, type TokenIssuer } from './auth/tokens.ts';
import { type DatabaseAddress, devPoolsEndpoint } from './console/pools-endpoint.ts';
import { consoleEndpoints } from './console/server.ts';
import { applyLocalEnvironment, LOCAL_CREDENTIALS, type LocalEnvironment } from './environment.ts';
import { DEFAULT_POOL_SWEEP_MS, type LocalEvents, startLocalEvents } from './events/local-events.ts';
import { type Gateway, type LocalEndpoint, startGateway } from './gateway/server.ts';
import { type LambdaInvokeServer, startLambdaInvokeServer } from './lambda/invoke-server.ts';
import { dashboardEndpoint } from './metrics/dashboard-endpoint.ts';
import { LocalMetrics } from './metrics/local-metrics.ts';
import { ensureBundles } from './runtime/bundles.ts';
import { FunctionContainers } from './runtime/container.ts';
import type { Invoker } from './runtime/local-function.ts';
import { type KeyFilter, matchesFilter, type ObjectCreated, s3Event } from './s3/event.ts';
import { type LocalS3, startLocalS3 } from './s3/server.ts';

export interface LocalStackOptions {
  /** Gateway port (contract §7: 3000); 0 picks a free one. */
  port?: number;
  /** Local S3 port (contract §7: 4569); 0 picks a free one. */
  s3Port?: number;
  bucket?: string;
  /**
   * An existing MongoDB; when unset, the embedded server is started in a child process (and
   * stopped with the stack), keeping its data in `<stateDir>/mongo` when there is a stateDir.
   */
  mongoUri?: string;
  /** No lines from the stack itself (the functions' own logs follow POWERTOOLS_LOG_LEVEL). */
  quiet?: boolean;
  /**
   * Where to keep the database, the token signing key and the S3 objects across restarts
   * (`npm start`: `.local`).
   * When unset, a fresh key lives in memory and S3 data in a temporary folder removed by stop().
   */
  stateDir?: string;
  /** Where the functions' bundles are built (default `.local/dist`, rebuilt only when stale). */
  bundleDir?: string;
  /** How often the low-stock sweep runs (contract §6b: every minute when deployed); default 5 s. */
  poolSweepMs?: number;
}

export interface LocalStack {
  apiUrl: string;
  s3Endpoint: string;
  bucket: string;
  mongoUri: string;
  /** A ready token for a supreme user (valid 12 hours). */
  supremeToken: string;
  mintToken(claims?: TokenClaims): string;
  stop(): Promise<void>;
}

export const DEFAULTS = { port: 3000, s3Port: 4569, bucket: 'code-service-local' } as const;
export const JWT_AUDIENCE = 'code-service-local';
const HOST = '127.0.0.1';
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The deployed trigger's filter (infra/routes.ts): `codes/…/*.csv` objects start an import (contract §1, §7). */
export const LOCAL_IMPORT_TRIGGER: KeyFilter & { configurationId: string } = {
  ...IMPORT_TRIGGER,
  configurationId: 'codes-csv-import',
};

/** Where the functions' deployment bundles are built (and reused while no source changed). */
const DEFAULT_BUNDLE_DIR = join(PROJECT_ROOT, '.local', 'dist');

/** Builds the functions' bundles unless they are up to date (the test run does it once, up front). */
export const buildFunctionBundles = (bundleDir = DEFAULT_BUNDLE_DIR): Promise<Map<string, string>> =>
  ensureBundles(
    bundleDir,
    Object.values(FUNCTIONS).map((fn) => fn.entry),
  );

/** A function's deployed name (infra/stacks/service-stack.ts): `importS3` → `code-service-import-s3`. */
export const deployedName = (id: FunctionId): string => `${CONTEXT_DEFAULTS.servicePrefix}-${kebabCase(id)}`;

/** The deployed alarms (infra/alarms.ts) with the default settings, as `GET /dev/dashboard` lists them. */
export const localAlarmTable = (): AlarmSpec[] =>
  alarmTable({
    routes: ROUTES,
    functionNeeds: FUNCTION_SETTINGS,
    api5xxAlarmPercent: CONTEXT_DEFAULTS.api5xxAlarmPercent,
    apiLatencyP99Ms: CONTEXT_DEFAULTS.apiLatencyP99AlarmMs,
    importWaitMs: CONTEXT_DEFAULTS.importWaitMs,
    authDeniedCount: CONTEXT_DEFAULTS.authDeniedAlarmCount,
  });
const SUPREME_TOKEN_TTL_SECONDS = 12 * 3600;
/**
 * How long stop() waits for asynchronous invocations (imports) to reach a safe point once told their
 * time is up, before it shuts the invoke endpoint and the containers down: with the gateway's and
 * the bucket's closing (≤ 1 s each), the whole stop stays under 10 s.
 */
const DRAIN_MS = 7_000;

/** Stops registered by the phases, run in the reverse of their start order by stop(). */
class Stops {
  private readonly stops: { name: string; stop: () => Promise<void> }[] = [];
  private stopping: Promise<void> | undefined;
  constructor(private readonly say: (line: string) => void) {}

  add(name: string, stop: () => Promise<void>): void {
    this.stops.push({ name, stop });
  }

  /** Runs every stop once, last started first; a failing stop is reported and the rest still run. */
  run(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { name, stop } of this.stops.reverse()) {
        await stop().catch((error: unknown) =>
          this.say(`[local] stopping ${name} failed: ${(error as Error).message}`),
        );
      }
    })();
    return this.stopping;
  }
}

/** Phase 1 — MongoDB: the given server, or the embedded one (stopped with the stack). */
async function startDatabase(
  mongoUri: string | undefined,
  stateDir: string | undefined,
  stops: Stops,
): Promise<string> {
  if (mongoUri) return mongoUri;
  // In a process of its own (never on the gateway's event loop); its data kept under stateDir.
  const { startEmbeddedMongoProcess } = await import('./mongo/index.ts');
  const mongo = await startEmbeddedMongoProcess({ dbpath: stateDir ? join(stateDir, 'mongo') : undefined });
  stops.add('embedded MongoDB', () => mongo.stop());
  return mongo.uri;
}

/** Phase 2 — where state lives: kept under stateDir, or in a temporary folder removed at stop. */
async function prepareState(
  stateDir: string | undefined,
  stops: Stops,
): Promise<{ key: SigningKey; s3Directory: string }> {
  let key: SigningKey;
  let root = stateDir;
  if (root) {
    key = await loadOrCreateSigningKey(join(root, 'auth'));
  } else {
    root = await mkdtemp(join(tmpdir(), 'code-service-local-'));
    const temporary = root;
    stops.add('temporary files', () => rm(temporary, { recursive: true, force: true }));
    key = generateSigningKey();
  }
  const s3Directory = join(root, 's3');
  await mkdir(s3Directory, { recursive: true });
  return { key, s3Directory };
}

/**
 * The functions the servers invoke, each in its own containers (worker threads loading its
 * deployment bundle: container.ts). The servers start before the functions can (the functions'
 * environment names the servers' addresses), so until load() the table is empty: the gateway
 * answers 503 and the invoke endpoint fails.
 */
interface FunctionTable {
  get(id: string): FunctionContainers | undefined;
  /** By deployed name (`code-service-import-s3`), as the Lambda API names functions. */
  invoke(name: string, event: unknown, requestId?: string): Promise<unknown>;
  readonly invoker: Invoker<FunctionContainers>;
  load(functions: readonly FunctionContainers[]): void;
  /** Every running invocation's time left drops to zero (FunctionContainers.windDown). */
  windDown(): void;
}

/** Phase 3 — the (still empty) function table; its stop ends every function container. */
function createFunctionTable(stops: Stops): FunctionTable {
  const byId = new Map<string, FunctionContainers>();
  const byName = new Map<string, FunctionContainers>();
  const invoker: Invoker<FunctionContainers> = (fn, event, requestId = randomUUID()) =>
    fn.invoke(event, requestId);
  // Registered before the servers, so it runs after they stopped and invocations drained.
  stops.add('function containers', async () => {
    await Promise.all([...byId.values()].map((fn) => fn.stop()));
  });
  return {
    get: (id) => byId.get(id),
    invoke: async (name, event, requestId) => {
      const fn = byName.get(name);
      if (!fn) throw new Error(`Function ${name} is not loaded yet`);
      return invoker(fn, event, requestId);
    },
    invoker,
    windDown: () => {
      for (const fn of byId.values()) fn.windDown();
    },
    load: (functions) => {
      for (const fn of functions) {
        byId.set(fn.id, fn);
        byName.set(fn.name, fn);
      }
    },
  };
}

/** Phase 4 — the Lambda Invoke endpoint (the upload route's hand-off, S3 notifications). */
async function startInvokeEndpoint(
  table: FunctionTable,
  say: (line: string) => void,
  stops: Stops,
): Promise<LambdaInvokeServer> {
  const lambda = await startLambdaInvokeServer({
    port: 0,
    functions: Object.fromEntries(
      (Object.keys(FUNCTIONS) as FunctionId[]).map((id) => [
        deployedName(id),
        (event: unknown, context?: { awsRequestId?: string }) =>
          table.invoke(deployedName(id), event, context?.awsRequestId),
      ]),
    ),
    onError: (name: string, error: unknown) =>
      say(`[lambda] ${name} failed: ${(error as Error)?.message ?? String(error)}`),
  });
  stops.add('Lambda invoke endpoint', () => lambda.stop());
  return lambda;
}

/**
 * Phase 5 — the bucket's notification: objects matching the trigger reach the importer like AWS's,
 * as an asynchronous Invoke of the local endpoint (Lambda retries twice).
 */
function importNotification(
  lambdaEndpoint: string,
  say: (line: string) => void,
  stops: Stops,
): (object: ObjectCreated) => void {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const lambdaClient = new LambdaClient({ endpoint: lambdaEndpoint, region, credentials: LOCAL_CREDENTIALS });
  stops.add('Lambda client', async () => lambdaClient.destroy());
  return (object) => {
    if (!matchesFilter(object.key, LOCAL_IMPORT_TRIGGER)) return;
    const event = s3Event(object, { region, configurationId: LOCAL_IMPORT_TRIGGER.configurationId });
    say(
      `[s3] ${object.eventName} ${object.bucket}/${object.key} → ${deployedName(IMPORTER_FUNCTION)} (async)`,
    );
    lambdaClient
      .send(
        new InvokeCommand({
          FunctionName: deployedName(IMPORTER_FUNCTION),
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      )
      .catch((error: unknown) =>
        say(`[s3] notification for ${object.key} not delivered: ${(error as Error).message}`),
      );
  };
}

/** Phase 6 — the local S3 serving the bucket, notifying on every object created. */
async function startBucket(
  settings: { port: number; bucket: string; directory: string },
  onObjectCreated: (object: ObjectCreated) => void,
  say: (line: string) => void,
  stops: Stops,
): Promise<LocalS3> {
  const s3 = await startLocalS3({
    ...settings,
    host: HOST,
    onObjectCreated,
    log: (line) => say(`[s3] ${line}`),
  });
  stops.add('local S3', () => s3.close());
  return s3;
}

/**
 * Phase 7 — events (contract §6b): the local EventBridge the functions publish to, `GET /dev/events`
 * for the gateway, and the low-stock sweep on a timer (skipped until the functions are loaded).
 */
async function startEvents(
  table: FunctionTable,
  sweepEveryMs: number,
  say: (line: string) => void,
  stops: Stops,
): Promise<LocalEvents> {
  const events = await startLocalEvents({
    sweepEveryMs,
    sweep: () => {
      const sweep = table.get('poolSweep');
      return sweep && table.invoker(sweep, {});
    },
    say,
  });
  stops.add('local EventBridge and pool sweep', () => events.stop());
  return events;
}

/**
 * Phase 8 — the API gateway in front of the function table, with the local endpoints (tokens,
 * events, the dashboard). The token issuer names the gateway's own address, known only once it
 * listens. Each request counts in the per-route metrics API Gateway would keep.
 */
async function startApi(
  port: number,
  table: FunctionTable,
  key: SigningKey,
  localEndpoints: readonly LocalEndpoint[],
  metrics: LocalMetrics,
  say: (line: string) => void,
  stops: Stops,
): Promise<{ gateway: Gateway; issuer: TokenIssuer }> {
  let issuer: TokenIssuer | undefined;
  const gateway = await startGateway({
    port,
    host: HOST,
    routes: ROUTES,
    functionNamed: table.get,
    authorizer: 'authorizer',
    invoke: table.invoker,
    localEndpoints: [
      ...devAuthEndpoints(() => issuer),
      ...localEndpoints,
      dashboardEndpoint(metrics, {
        routes: ROUTES,
        alarms: { servicePrefix: CONTEXT_DEFAULTS.servicePrefix, table: localAlarmTable() },
      }),
    ],
    log: (line) => say(`[gateway] ${line}`),
    onRequest: (request) => metrics.recordRequest(request),
  });
  stops.add('gateway', () => gateway.close());
  issuer = { issuer: `${gateway.url}/dev`, audience: JWT_AUDIENCE, key };
  return { gateway, issuer };
}

/**
 * Phase 9 — the functions: each gets the environment the CDK stack sets in AWS (pointing at the
 * local pieces), its deployed name, timeout and memory, and its deployment bundle. Containers
 * start on first invocation (a cold start), as in Lambda. Last, because the environment names
 * every server.
 */
async function loadStackFunctions(
  table: FunctionTable,
  environment: LocalEnvironment,
  bundleDir: string,
  metrics: LocalMetrics,
): Promise<DatabaseAddress> {
  const ids = Object.keys(FUNCTIONS) as FunctionId[];
  const bundles = await buildFunctionBundles(bundleDir);
  const env: NodeJS.ProcessEnv = { ...process.env };
  applyLocalEnvironment(environment, env);
  table.load(
    ids.map((id) => {
      const settings = FUNCTION_SETTINGS[id];
      const memoryMb =
        settings.memory === 'api' ? CONTEXT_DEFAULTS.apiMemoryMb : CONTEXT_DEFAULTS.importerMemoryMb;
      const functionName = deployedName(id);
      return new FunctionContainers(id, {
        functionName,
        bundle: pathToFileURL(bundles.get(FUNCTIONS[id].entry)!).href,
        env: {
          ...env,
          AWS_LAMBDA_FUNCTION_NAME: functionName,
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
        },
        timeoutMs: settings.timeout.toMilliseconds(),
        memoryMb,
        // What CloudWatch would get: the function's EMF lines and Lambda's metrics of each invocation.
        observer: {
          metricsLine: (line) => metrics.recordEmf(line),
          invoked: (outcome) => metrics.recordInvocation(id, outcome),
        },
      });
    }),
  );
  // The database the functions were given (applyLocalEnvironment names it when the shell does not).
  return { uri: environment.mongoUri, dbName: env.MONGODB_DB! };
}

/**
 * Starts the whole service on this machine, wired as in the cloud: the route table's functions
 * behind a local API Gateway (with the JWT authorizer in front), a local S3 whose bucket invokes
 * the importer asynchronously on `codes/*.csv` creations, a local Lambda Invoke endpoint for the
 * upload route's hand-off, and MongoDB. One stack per process (the functions read process.env).
 * Phases start in the reverse of the order stop() needs: running invocations are told their time
 * is up, the gateway and S3 stop taking work, running invocations drain (an import stops between
 * batches, its record resumable at once), then the containers and the database go. If any phase fails, whatever did
 * start is stopped and the error is thrown.
 */
let started = false;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // The function modules read process.env once, at their first import, and stay cached: a second
  // stack in this process (even after stop()) would run them against the first one's settings.
  if (started) throw new Error('One local stack per process: start the next one in a new process');
  started = true;
  // The SDK prints on every start that its 2027 releases need Node 22. Lambda runs the functions
  // on Node.js 24 (FUNCTION_RUNTIME, infra/constructs/service-function.ts), so the notice only
  // concerns this local Node 20; the functions' containers inherit the setting (a copy of this env).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const bucket = options.bucket ?? DEFAULTS.bucket;
  const say = options.quiet ? () => {} : (line: string) => console.log(line);
  const stops = new Stops(say);
  const stop = () => stops.run();
  // The stand-in for CloudWatch metrics (GET /dev/dashboard): in memory, the last hours only.
  const metrics = new LocalMetrics();

  try {
    const mongoUri = await startDatabase(options.mongoUri, options.stateDir, stops);
    const { key, s3Directory } = await prepareState(options.stateDir, stops);
    const table = createFunctionTable(stops);
    const lambda = await startInvokeEndpoint(table, say, stops);
    const notify = importNotification(lambda.endpoint, say, stops);
    const s3 = await startBucket(
      { port: options.s3Port ?? DEFAULTS.s3Port, bucket, directory: s3Directory },
      notify,
      say,
      stops,
    );
    const events = await startEvents(table, options.poolSweepMs ?? DEFAULT_POOL_SWEEP_MS, say, stops);
    // The console (`/`) and the pools it may list (`/dev/pools`): the database is known once the
    // functions are loaded.
    let database: DatabaseAddress | undefined;
    const pools = devPoolsEndpoint(() => database);
    stops.add('console database client', () => pools.close());
    const { gateway, issuer } = await startApi(
      options.port ?? DEFAULTS.port,
      table,
      key,
      [...events.localEndpoints, pools.endpoint, ...consoleEndpoints((line) => say(`[console] ${line}`))],
      metrics,
      say,
      stops,
    );
    // The first thing stop() does (stops run last registered first): the gateway and the bucket
    // stop taking connections, running invocations are told their time is up (an import stops at
    // its next batch; its S3 read stays open until then), failed asynchronous invocations are no
    // longer retried, and running ones get DRAIN_MS to finish. The other stops then close the rest.
    stops.add('winding down', async () => {
      // Awaited (and any failure reported) by their own stops below.
      for (const closing of [gateway.close(), s3.stopAccepting()]) closing.catch(() => undefined);
      table.windDown();
      lambda.stopRetrying();
      await Promise.race([lambda.idle(), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    });
    database = await loadStackFunctions(
      table,
      {
        mongoUri,
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: `${issuer.issuer}/.well-known/jwks.json`,
        bucket,
        importFunctionName: deployedName(IMPORTER_FUNCTION),
        exportFunctionName: deployedName(EXPORTER_FUNCTION),
        purgeFunctionName: deployedName(PURGER_FUNCTION),
        s3Endpoint: s3.endpoint,
        lambdaEndpoint: lambda.endpoint,
        eventBridgeEndpoint: events.bridge.endpoint,
        eventBusName: events.bridge.busName,
      },
      options.bundleDir ?? DEFAULT_BUNDLE_DIR,
      metrics,
    );

    return {
      apiUrl: gateway.url,
      s3Endpoint: s3.endpoint,
      bucket,
      mongoUri,
      supremeToken: mintToken(issuer, {
        sub: 'local-supreme',
        isSupreme: true,
        expiresIn: SUPREME_TOKEN_TTL_SECONDS,
      }),
      mintToken: (claims = {}) => mintToken(issuer, claims),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
