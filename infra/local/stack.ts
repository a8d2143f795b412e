import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  EXPORTER_FUNCTION,
  FUNCTIONS,
  type FunctionId,
  IMPORT_TRIGGER,
  IMPORTER_FUNCTION,
  JOB_FUNCTIONS,
  PURGER_FUNCTION,
  ROUTES,
} from '../routes.ts';
import { devAuthEndpoints } from './auth/endpoints.ts';
import { generateSigningKey, loadOrCreateSigningKey, type SigningKey } from './auth/keys.ts';
import { mintToken, type TokenClaims, type TokenIssuer } from './auth/tokens.ts';
import { applyLocalEnvironment, LOCAL_CREDENTIALS } from './environment.ts';
import { type Gateway, startGateway } from './gateway/server.ts';
import { startLambdaInvokeServer } from './lambda/invoke-server.ts';
import { loadFunctions } from './runtime/load-functions.ts';
import { createInvoker, type LocalFunction } from './runtime/local-function.ts';
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

/** Function timeouts as deployed: the importer and the job functions may run for minutes, the API functions not. */
const TIMEOUT_MS: Partial<Record<FunctionId, number>> = {
  importS3: 15 * 60_000,
  ...Object.fromEntries(JOB_FUNCTIONS.map((id) => [id, 15 * 60_000])),
};
const DEFAULT_TIMEOUT_MS = 30_000;
const SUPREME_TOKEN_TTL_SECONDS = 12 * 3600;
/** How long stop() lets imports already running finish before it shuts the invoke endpoint down. */
const DRAIN_MS = 10_000;

/**
 * Starts the whole service on this machine, wired as in the cloud: the route table's functions
 * behind a local API Gateway (with the JWT authorizer in front), a local S3 whose bucket invokes
 * the importer asynchronously on `codes/*.csv` creations, a local Lambda Invoke endpoint for the
 * upload route's hand-off, and MongoDB. One stack per process (the functions read process.env).
 * If any piece fails to start, whatever did start is stopped and the error is thrown.
 */
let started = false;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // The function modules read process.env once, at their first import, and stay cached: a second
  // stack in this process (even after stop()) would run them against the first one's settings.
  if (started) throw new Error('One local stack per process: start the next one in a new process');
  started = true;
  const bucket = options.bucket ?? DEFAULTS.bucket;
  const say = options.quiet ? () => {} : (line: string) => console.log(line);
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const onStop = (name: string, stop: () => Promise<void>) => stops.push({ name, stop });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const { name, stop: stopOne } of stops.reverse()) {
        await stopOne().catch((error: unknown) =>
          say(`[local] stopping ${name} failed: ${(error as Error).message}`),
        );
      }
    })();
    return stopping;
  };

  try {
    // MongoDB: the given server, or the embedded one.
    let mongoUri: string;
    if (options.mongoUri) {
      mongoUri = options.mongoUri;
    } else {
      const { startEmbeddedMongo } = await import('./mongo/index.ts');
      const mongo = await startEmbeddedMongo();
      onStop('embedded MongoDB', () => mongo.stop());
      mongoUri = mongo.uri;
    }

    // Where state lives: kept under stateDir, or thrown away at stop.
    let stateDir = options.stateDir;
    let key: SigningKey;
    if (stateDir) {
      key = await loadOrCreateSigningKey(join(stateDir, 'auth'));
    } else {
      stateDir = await mkdtemp(join(tmpdir(), 'code-service-local-'));
      const temporary = stateDir;
      onStop('temporary files', () => rm(temporary, { recursive: true, force: true }));
      key = generateSigningKey();
    }
    const s3Directory = join(stateDir, 's3');
    await mkdir(s3Directory, { recursive: true });

    // Functions are imported last (they read the environment at load), so the servers start with
    // an empty table: the gateway answers 503 and the invoke endpoint fails until it is filled.
    // Servers start in the reverse of the order stop() needs: the gateway and S3 stop taking work
    // first, then running invocations drain, then the database goes.
    let functions: Record<FunctionId, LocalFunction> | undefined;
    const invoke = createInvoker();
    onStop('MongoDB client', async () => {
      // The one client the functions share (same module instance), closed before its server goes.
      if (functions) await (await import('../../lib/mongo/client.ts')).closeMongoClient();
    });

    const lambda = await startLambdaInvokeServer({
      port: 0,
      functions: Object.fromEntries(
        (Object.keys(FUNCTIONS) as FunctionId[]).map((id) => [
          id,
          (event: unknown, context?: { awsRequestId?: string }) => {
            const fn = functions?.[id];
            if (!fn) throw new Error(`Function ${id} is not loaded yet`);
            return invoke(fn, event, context?.awsRequestId);
          },
        ]),
      ),
      onError: (name: string, error: unknown) =>
        say(`[lambda] ${name} failed: ${(error as Error)?.message ?? String(error)}`),
    });
    onStop('Lambda invoke endpoint', async () => {
      // Let invocations already running (an import) finish, within bounds, then stop taking more.
      await Promise.race([lambda.idle(), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
      await lambda.stop();
    });

    // S3 notifications reach the importer like AWS's: an asynchronous Invoke (Lambda retries twice).
    const lambdaClient = new LambdaClient({
      endpoint: lambda.endpoint,
      region: process.env.AWS_REGION ?? 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
    });
    onStop('Lambda client', async () => lambdaClient.destroy());
    const notify = (object: ObjectCreated) => {
      if (!matchesFilter(object.key, LOCAL_IMPORT_TRIGGER)) return;
      const event = s3Event(object, {
        region: process.env.AWS_REGION ?? 'us-east-1',
        configurationId: LOCAL_IMPORT_TRIGGER.configurationId,
      });
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

    const s3: LocalS3 = await startLocalS3({
      port: options.s3Port ?? DEFAULTS.s3Port,
      host: HOST,
      bucket,
      directory: s3Directory,
      onObjectCreated: notify,
      log: (line) => say(`[s3] ${line}`),
    });
    onStop('local S3', () => s3.close());

    let issuer: TokenIssuer | undefined;
    const gateway: Gateway = await startGateway({
      port: options.port ?? DEFAULTS.port,
      host: HOST,
      routes: ROUTES,
      functionNamed: (name) => functions?.[name as FunctionId],
      authorizer: 'authorizer',
      invoke,
      localEndpoints: devAuthEndpoints(() => issuer),
      log: (line) => say(`[gateway] ${line}`),
    });
    onStop('gateway', () => gateway.close());
    // The issuer names the gateway's address, known only now that it listens (port 0 = any).
    issuer = { issuer: `${gateway.url}/dev`, audience: JWT_AUDIENCE, key };

    applyLocalEnvironment({
      mongoUri,
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: `${issuer.issuer}/.well-known/jwks.json`,
      bucket,
      importFunctionName: IMPORTER_FUNCTION,
      exportFunctionName: EXPORTER_FUNCTION,
      purgeFunctionName: PURGER_FUNCTION,
      s3Endpoint: s3.endpoint,
      lambdaEndpoint: lambda.endpoint,
    });

    const loaded = await loadFunctions(FUNCTIONS, PROJECT_ROOT, (id) => TIMEOUT_MS[id] ?? DEFAULT_TIMEOUT_MS);
    // Offline verification: aws-jwt-verify only fetches a JWKS over HTTPS, so hand it the local one.
    const { jwtVerifier } = await import('../../lib/auth/verifier.ts');
    jwtVerifier().cacheJwks(key.jwks);
    functions = loaded;

    const tokenIssuer = issuer;
    return {
      apiUrl: gateway.url,
      s3Endpoint: s3.endpoint,
      bucket,
      mongoUri,
      supremeToken: mintToken(tokenIssuer, {
        sub: 'local-supreme',
        isSupreme: true,
        expiresIn: SUPREME_TOKEN_TTL_SECONDS,
      }),
      mintToken: (claims = {}) => mintToken(tokenIssuer, claims),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
