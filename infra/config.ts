import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import * as z from 'zod';

/**
 * Deployment configuration, read from CDK context (`cdk.json` or `-c key=value`). Every key has a
 * documented default so `npx cdk synth` works offline with no arguments; the defaults below are
 * the single source of truth and cdk.json repeats them for visibility (a test keeps both equal).
 * Values given with `-c` arrive as strings, hence the coercions.
 */
export const CONTEXT_DEFAULTS = {
  /**
   * The identity of one copy of the service: the prefix of its stack, function, API, dashboard,
   * alarm and query names, and its Powertools service name (the `service` dimension of its
   * metrics). Change it to deploy a second copy in one account: the two never mix.
   */
  servicePrefix: 'code-service',
  /** JWT `iss` the authorizer accepts. The default is a placeholder: every token is rejected. */
  issuer: 'https://auth.example.com/',
  /** JWT `aud` the authorizer accepts. */
  audience: 'code-service',
  /** JWKS endpoint with the issuer's RS256 signing keys. */
  jwksUri: 'https://auth.example.com/.well-known/jwks.json',
  /** Name of the Secrets Manager secret holding the MongoDB connection string (never the URI). */
  mongoSecretName: 'code-service/mongodb-uri',
  /** Database name; '' = the database named in the connection string. */
  mongoDbName: '',
  /** Connections per Lambda container (MONGODB_MAX_POOL_SIZE). */
  mongoMaxPoolSize: 5,
  /**
   * The connections the MongoDB cluster accepts from this service (the connection budget). Synth
   * fails when Σ(reserved concurrency × mongoMaxPoolSize) over the functions that use MongoDB
   * exceeds it. 1500 = an Atlas M10 (M20: 3000, M30: 3000, M40: 6000); lower it when other
   * clients share the cluster.
   */
  mongoMaxConnections: 1500,
  /** API stage throttling: steady-state requests per second and burst, for the whole stage. */
  throttleRateLimit: 200,
  throttleBurstLimit: 400,
  /** How long API Gateway caches an authorizer decision per Authorization header, 0–3600 s. */
  authorizerCacheTtlSeconds: 300,
  /** Memory of the HTTP functions and the authorizer (MB); CPU share grows with it. */
  apiMemoryMb: 512,
  /**
   * Reserved concurrency of each HTTP function: at most this many run at once, so each uses at
   * most apiConcurrency × mongoMaxPoolSize connections (see mongoMaxConnections). 20 serve about
   * 400 requests/s at 50 ms each, twice the stage's steady rate; excess requests get 429 and
   * show on the throttles alarm.
   */
  apiConcurrency: 20,
  /** Reserved concurrency of the authorizer (no database; its answers are cached per token). */
  authorizerConcurrency: 50,
  /**
   * Reserved concurrency of each operator route (look-ups, lists, pool settings, starting and
   * following exports and purges): people and consoles, not the client systems' traffic.
   */
  operatorConcurrency: 5,
  /** Reserved concurrency of the background jobs (export, purge, the low-stock sweep). */
  jobConcurrency: 2,
  /**
   * Importer memory (MB). The import benchmark targets a peak RSS of ≤ 256 MB whatever the file
   * size (streaming, 50 000-code batches); 1024 MB leaves 4× headroom and buys the CPU share that
   * CSV parsing and BSON encoding need. Lower it only with the benchmark's peak RSS in hand.
   */
  importerMemoryMb: 1024,
  /**
   * Reserved concurrency of the importer: at most this many imports run at once, so imports use
   * at most importerConcurrency × mongoMaxPoolSize connections (25 by default) of the cluster's
   * connection budget, whatever is uploaded. Extra S3 events wait in Lambda's async queue.
   */
  importerConcurrency: 5,
  /** How long the upload route waits for the import before answering 202 (IMPORT_WAIT_MS). */
  importWaitMs: 25_000,
  /** CloudWatch Logs retention of every function's log group, in days (a valid retention value). */
  logRetentionDays: 30,
  /** API 5xx alarm threshold: percentage of requests answered with a 5xx over 5 minutes. */
  api5xxAlarmPercent: 1,
  /** E-mail address subscribed to the alarm topic; '' = no subscription. */
  alarmEmail: '',
  /** p99 latency alarm threshold per route (ms, over 5 minutes); the upload route waits longer. */
  apiLatencyP99AlarmMs: 3000,
  /** 401/403 answers in 5 minutes that raise the auth-denials alarm (an auth outage's signature). */
  authDeniedAlarmCount: 100,
} as const;

export type ContextKey = keyof typeof CONTEXT_DEFAULTS;

// Finite CloudWatch Logs retention values (RetentionDays.INFINITE is left out on purpose).
const VALID_RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter(
    (days): days is number => typeof days === 'number' && days > 0 && days !== RetentionDays.INFINITE,
  ),
);

const positiveInt = z.coerce.number().int().positive();
const text = z.string().trim();

const schema = z.object({
  servicePrefix: text.regex(/^[a-z][a-z0-9-]{1,30}$/, 'lower-case letters, digits and dashes, 2–31 chars'),
  issuer: z.url(),
  audience: text.min(1),
  jwksUri: z.url(),
  mongoSecretName: text.regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name'),
  mongoDbName: text,
  mongoMaxPoolSize: positiveInt.max(100),
  mongoMaxConnections: positiveInt,
  throttleRateLimit: positiveInt,
  throttleBurstLimit: positiveInt,
  authorizerCacheTtlSeconds: z.coerce.number().int().min(0).max(3600),
  apiMemoryMb: positiveInt.min(128).max(10_240),
  apiConcurrency: positiveInt,
  authorizerConcurrency: positiveInt,
  operatorConcurrency: positiveInt,
  jobConcurrency: positiveInt,
  importerMemoryMb: positiveInt.min(128).max(10_240),
  importerConcurrency: positiveInt,
  // API Gateway gives up on an integration after 30 s; the upload function must answer before.
  importWaitMs: positiveInt.max(27_000),
  logRetentionDays: positiveInt.refine((days) => VALID_RETENTION_DAYS.has(days), {
    message: `one of ${[...VALID_RETENTION_DAYS].sort((a, b) => a - b).join(', ')}`,
  }),
  api5xxAlarmPercent: z.coerce.number().positive().max(100),
  alarmEmail: z.union([z.literal(''), z.email()]),
  apiLatencyP99AlarmMs: positiveInt,
  authDeniedAlarmCount: positiveInt,
});

export interface ServiceConfig {
  servicePrefix: string;
  auth: { issuer: string; audience: string; jwksUri: string };
  mongo: { secretName: string; dbName: string | undefined; maxPoolSize: number; maxConnections: number };
  throttle: { rateLimit: number; burstLimit: number };
  authorizerCacheTtlSeconds: number;
  apiMemoryMb: number;
  /** Reserved concurrency per function class (see function-settings.ts). */
  concurrency: { api: number; authorizer: number; operator: number; job: number };
  importer: { memoryMb: number; concurrency: number; waitMs: number };
  logRetention: RetentionDays;
  api5xxAlarmPercent: number;
  alarmEmail: string | undefined;
  alarms: { apiLatencyP99Ms: number; authDeniedCount: number };
  /** True while issuer or JWKS URI are still the example.com placeholders (the app warns). */
  placeholderAuth: boolean;
}

export class ContextError extends Error {
  override readonly name = 'ContextError';
}

/** Reads and validates the deployment configuration from a construct's CDK context. */
export function readServiceConfig(node: Node): ServiceConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(CONTEXT_DEFAULTS) as ContextKey[]) {
    raw[key] = node.tryGetContext(key) ?? CONTEXT_DEFAULTS[key];
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `-c ${issue.path.join('.')}: ${issue.message}`);
    throw new ContextError(`Invalid CDK context:\n  ${problems.join('\n  ')}`);
  }
  const c = parsed.data;
  if (c.throttleBurstLimit < c.throttleRateLimit) {
    throw new ContextError('Invalid CDK context: throttleBurstLimit must be ≥ throttleRateLimit');
  }
  return {
    servicePrefix: c.servicePrefix,
    auth: { issuer: c.issuer, audience: c.audience, jwksUri: c.jwksUri },
    mongo: {
      secretName: c.mongoSecretName,
      dbName: c.mongoDbName || undefined,
      maxPoolSize: c.mongoMaxPoolSize,
      maxConnections: c.mongoMaxConnections,
    },
    throttle: { rateLimit: c.throttleRateLimit, burstLimit: c.throttleBurstLimit },
    authorizerCacheTtlSeconds: c.authorizerCacheTtlSeconds,
    apiMemoryMb: c.apiMemoryMb,
    concurrency: {
      api: c.apiConcurrency,
      authorizer: c.authorizerConcurrency,
      operator: c.operatorConcurrency,
      job: c.jobConcurrency,
    },
    importer: { memoryMb: c.importerMemoryMb, concurrency: c.importerConcurrency, waitMs: c.importWaitMs },
    logRetention: c.logRetentionDays as RetentionDays,
    api5xxAlarmPercent: c.api5xxAlarmPercent,
    alarmEmail: c.alarmEmail || undefined,
    alarms: { apiLatencyP99Ms: c.apiLatencyP99AlarmMs, authDeniedCount: c.authDeniedAlarmCount },
    placeholderAuth: c.issuer === CONTEXT_DEFAULTS.issuer || c.jwksUri === CONTEXT_DEFAULTS.jwksUri,
  };
}
