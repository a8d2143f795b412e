import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { FUNCTIONS, type FunctionId, IMPORT_TRIGGER, IMPORTER_FUNCTION, ROUTES } from '../routes.ts';
import { devAuthEndpoints } from './auth/endpoints.ts';
import { generateSigningKey, loadOrCreateSigningKey, type SigningKey } from './auth/keys.ts';
import { mintToken, type TokenClaims, type TokenIssuer } from './auth/tokens.ts';
import { applyLocalEnvironment, LOCAL_CREDENTIALS, type LocalEnvironment } from './environment.ts';
import { type Gateway, startGateway } from './gateway/server.ts';
import { type LambdaInvokeServer, startLambdaInvokeServer } from './lambda/invoke-server.ts';
import { loadFunctions } from './runtime/load-functions.ts';
import { createInvoker, type Invoker, type LocalFunction } from './runtime/local-function.ts';
import { type KeyFilter, matchesFilter, type ObjectCreated, s3Event } from './s3/event.ts';
import { type LocalS3, startLocalS3 } from './s3/server.ts';

export interface LocalStackOptions {
  /** Gateway port (contract §7: 3000); 0 picks a free one. */
  port?: number;
  /** Local S3 port (contract §7: 4569); 0 picks a free one. */
  s3Port?: number;
  bucket?: string;
  /** An existing MongoDB; when unset, the embedded server is started (and stopped with the stack). */
  mongoUri?: string;
  /** No lines from the stack itself (the functions' own logs follow POWERTOOLS_LOG_LEVEL). */
  quiet?: boolean;
  /**
   * Where to keep the token signing key and the S3 objects across restarts (`npm start`: `.local`).
   * When unset, a fresh key lives in memory and S3 data in a temporary folder removed by stop().
   */
  stateDir?: string;
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

/** Function timeouts as deployed: the S3 importer may stream for minutes, the API functions not. */
const TIMEOUT_MS: Partial<Record<FunctionId, number>> = { importS3: 15 * 60_000 };
const DEFAULT_TIMEOUT_MS = 30_000;
const SUPREME_TOKEN_TTL_SECONDS = 12 * 3600;
/** How long stop() lets imports already running finish before it shuts the invoke endpoint down. */
const DRAIN_MS = 10_000;

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
async function startDatabase(mongoUri: string | undefined, stops: Stops): Promise<string> {
  if (mongoUri) return mongoUri;
  const { startEmbeddedMongo } = await import('./mongo/index.ts');
  const mongo = await startEmbeddedMongo();
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
 * The functions the servers invoke. The servers start before the functions are loaded (the
 * functions' environment names the servers' addresses), so until load() the table is empty: the
 * gateway answers 503 and the invoke endpoint fails.
 */
interface FunctionTable {
  get(id: string): LocalFunction | undefined;
  invoke(id: FunctionId, event: unknown, requestId?: string): Promise<unknown>;
  readonly invoker: Invoker;
  load(functions: Record<FunctionId, LocalFunction>): void;
  readonly loaded: boolean;
}

/** Phase 3 — the (still empty) function table; its stop closes the functions' shared Mongo client. */
function createFunctionTable(stops: Stops): FunctionTable {
  let functions: Record<FunctionId, LocalFunction> | undefined;
  const invoker = createInvoker();
  const table: FunctionTable = {
    get: (id) => functions?.[id as FunctionId],
    invoke: (id, event, requestId) => {
      const fn = functions?.[id];
      if (!fn) throw new Error(`Function ${id} is not loaded yet`);
      return invoker(fn, event, requestId);
    },
    invoker,
    load: (loaded) => {
      functions = loaded;
    },
    get loaded() {
      return functions !== undefined;
    },
  };
  // Registered before the servers, so it runs after they stopped and invocations drained: the one
  // client the functions share (same module instance) is closed before its server goes.
  stops.add('MongoDB client', async () => {
    if (table.loaded) await (await import('../../lib/mongo/client.ts')).closeMongoClient();
  });
  return table;
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
        id,
        (event: unknown, context?: { awsRequestId?: string }) =>
          table.invoke(id, event, context?.awsRequestId),
      ]),
    ),
    onError: (name: string, error: unknown) =>
      say(`[lambda] ${name} failed: ${(error as Error)?.message ?? String(error)}`),
  });
  stops.add('Lambda invoke endpoint', async () => {
    // Let invocations already running (an import) finish, within bounds, then stop taking more.
    await Promise.race([lambda.idle(), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    await lambda.stop();
  });
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
    say(`[s3] ${object.eventName} ${object.bucket}/${object.key} → ${IMPORTER_FUNCTION} (async)`);
    lambdaClient
      .send(
        new InvokeCommand({
          FunctionName: IMPORTER_FUNCTION,
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
 * Phase 7 — the API gateway in front of the function table, with the local token endpoints. The
 * token issuer names the gateway's own address, known only once it listens (port 0 = any).
 */
async function startApi(
  port: number,
  table: FunctionTable,
  key: SigningKey,
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
    localEndpoints: devAuthEndpoints(() => issuer),
    log: (line) => say(`[gateway] ${line}`),
  });
  stops.add('gateway', () => gateway.close());
  issuer = { issuer: `${gateway.url}/dev`, audience: JWT_AUDIENCE, key };
  return { gateway, issuer };
}

/**
 * Phase 8 — the functions: their environment set as the CDK stack sets it in AWS (pointing at the
 * local pieces), then loaded into the table. Last, because the environment names every server.
 */
async function loadStackFunctions(
  table: FunctionTable,
  environment: LocalEnvironment,
  key: SigningKey,
): Promise<void> {
  applyLocalEnvironment(environment);
  const loaded = await loadFunctions(FUNCTIONS, PROJECT_ROOT, (id) => TIMEOUT_MS[id] ?? DEFAULT_TIMEOUT_MS);
  // Offline verification: aws-jwt-verify only fetches a JWKS over HTTPS, so hand it the local one.
  const { jwtVerifier } = await import('../../lib/auth/verifier.ts');
  jwtVerifier().cacheJwks(key.jwks);
  table.load(loaded);
}

/**
 * Starts the whole service on this machine, wired as in the cloud: the route table's functions
 * behind a local API Gateway (with the JWT authorizer in front), a local S3 whose bucket invokes
 * the importer asynchronously on `codes/*.csv` creations, a local Lambda Invoke endpoint for the
 * upload route's hand-off, and MongoDB. One stack per process (the functions read process.env).
 * Phases start in the reverse of the order stop() needs: the gateway and S3 stop taking work
 * first, then running invocations drain, then the database goes. If any phase fails, whatever did
 * start is stopped and the error is thrown.
 */
let started = false;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // The function modules read process.env once, at their first import, and stay cached: a second
  // stack in this process (even after stop()) would run them against the first one's settings.
  if (started) throw new Error('One local stack per process: start the next one in a new process');
  started = true;
  const bucket = options.bucket ?? DEFAULTS.bucket;
  const say = options.quiet ? () => {} : (line: string) => console.log(line);
  const stops = new Stops(say);
  const stop = () => stops.run();

  try {
    const mongoUri = await startDatabase(options.mongoUri, stops);
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
    const { gateway, issuer } = await startApi(options.port ?? DEFAULTS.port, table, key, say, stops);
    await loadStackFunctions(
      table,
      {
        mongoUri,
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: `${issuer.issuer}/.well-known/jwks.json`,
        bucket,
        importFunctionName: IMPORTER_FUNCTION,
        s3Endpoint: s3.endpoint,
        lambdaEndpoint: lambda.endpoint,
      },
      key,
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
