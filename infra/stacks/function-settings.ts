import { Duration } from 'aws-cdk-lib';
import { ContextError, type ServiceConfig } from '../config.ts';
import { FUNCTIONS, type FunctionId } from '../routes.ts';

/**
 * What a function needs from the cloud. Each need is one binding (infra/constructs/bindings.ts)
 * that sets the function's variables and its grants together.
 */
export type Need =
  /** MongoDB: the connection string's secret. */
  | 'mongo'
  /** JWT verification settings. */
  | 'auth'
  /** Reads uploaded code files under `codes/`. */
  | 'codesBucket'
  /** Lists the codes bucket, so a missing upload is a 404 and not a 403. */
  | 'codesListing'
  /** Hands imports to the importer function. */
  | 'importer'
  /** Publishes to the service's EventBridge bus (contract §6b). */
  | 'events'
  /** Hands exports to the export function. */
  | 'exporter'
  /** Hands purges to the purge function. */
  | 'purger'
  /** Writes export files under `exports/` (multipart upload). */
  | 'exportsWrite'
  /** Reads export files under `exports/` (pre-signs their download URLs). */
  | 'exportsRead';

export interface FunctionSettings {
  needs: readonly Need[];
  timeout: Duration;
  /** 'api' = the apiMemoryMb context value, 'importer' = importerMemoryMb. */
  memory: 'api' | 'importer';
  /**
   * Reserved concurrency: 'api' (the default, the client systems' routes) = apiConcurrency,
   * 'operator' = operatorConcurrency, 'job' = jobConcurrency, 'authorizer' =
   * authorizerConcurrency, 'importer' = importerConcurrency. Every function has one, so the
   * service's MongoDB connections are bounded (see checkConnectionBudget).
   */
  concurrency?: 'api' | 'operator' | 'job' | 'authorizer' | 'importer';
}

// API Gateway drops an integration after 30 s; HTTP functions stop just before so the client gets
// the function's own answer (the upload route answers 202 after IMPORT_WAIT_MS, 25 s by default).
const API_TIMEOUT = Duration.seconds(29);

/**
 * Per-function settings, keyed by every function of infra/routes.ts (the Record type makes a new
 * function there fail to compile until it is given settings here).
 */
export const FUNCTION_SETTINGS: Record<FunctionId, FunctionSettings> = {
  // HTTP API Lambda authorizers may run for at most 10 s.
  authorizer: { needs: ['auth'], timeout: Duration.seconds(10), memory: 'api', concurrency: 'authorizer' },
  heartbeat: { needs: ['mongo'], timeout: Duration.seconds(10), memory: 'api' },
  upload: {
    needs: ['mongo', 'codesBucket', 'codesListing', 'importer'],
    timeout: API_TIMEOUT,
    memory: 'api',
  },
  count: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api' },
  reserve: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api' },
  assign: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api' },
  release: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api' },
  getImport: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api', concurrency: 'operator' },
  // List pages read the cursor signing key from the database too (lib/paging/signing-key.ts).
  listCodes: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api', concurrency: 'operator' },
  listImports: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api', concurrency: 'operator' },
  // Builds the document from the route table in memory: no cloud resource at all.
  openapi: { needs: [], timeout: Duration.seconds(10), memory: 'api' },
  // Lambda's maximum: a very large file streams for minutes; progress is saved as it goes.
  importS3: {
    needs: ['mongo', 'codesBucket', 'events'],
    timeout: Duration.minutes(15),
    memory: 'importer',
    concurrency: 'importer',
  },
  getPool: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api', concurrency: 'operator' },
  putPool: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api', concurrency: 'operator' },
  // Runs every minute: one run should finish before the next starts (overlaps are harmless).
  poolSweep: { needs: ['mongo', 'events'], timeout: Duration.seconds(55), memory: 'api', concurrency: 'job' },
  startExport: { needs: ['mongo', 'exporter'], timeout: API_TIMEOUT, memory: 'api', concurrency: 'operator' },
  getExport: {
    needs: ['mongo', 'exportsRead'],
    timeout: API_TIMEOUT,
    memory: 'api',
    concurrency: 'operator',
  },
  // Streams a pool of any size: up to Lambda's maximum; Lambda's retry starts it over.
  exportCodes: {
    needs: ['mongo', 'exportsWrite'],
    timeout: Duration.minutes(15),
    memory: 'importer',
    concurrency: 'job',
  },
  startPurge: { needs: ['mongo', 'purger'], timeout: API_TIMEOUT, memory: 'api', concurrency: 'operator' },
  getPurge: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api', concurrency: 'operator' },
  // Batches of deletes, each noted in the record: a retry after the timeout resumes the purge.
  purgeCodes: { needs: ['mongo'], timeout: Duration.minutes(15), memory: 'api', concurrency: 'job' },
};

const functionIds = () => Object.keys(FUNCTIONS) as FunctionId[];

/** A function's reserved concurrency, from CDK context. */
export function reservedConcurrency(functionId: FunctionId, config: ServiceConfig): number {
  switch (FUNCTION_SETTINGS[functionId].concurrency ?? 'api') {
    case 'authorizer':
      return config.concurrency.authorizer;
    case 'importer':
      return config.importer.concurrency;
    case 'operator':
      return config.concurrency.operator;
    case 'job':
      return config.concurrency.job;
    default:
      return config.concurrency.api;
  }
}

/** The most MongoDB connections each function that uses MongoDB can open at once. */
export function mongoConnections(config: ServiceConfig): Partial<Record<FunctionId, number>> {
  return Object.fromEntries(
    functionIds()
      .filter((functionId) => FUNCTION_SETTINGS[functionId].needs.includes('mongo'))
      .map((functionId) => [functionId, reservedConcurrency(functionId, config) * config.mongo.maxPoolSize]),
  );
}

/**
 * The connection budget: every container of a function may hold a full pool, so the service can
 * open Σ(reserved concurrency × mongoMaxPoolSize) connections. Beyond the cluster's limit, new
 * connections are refused exactly when the load is highest — so synth refuses that configuration.
 */
export function checkConnectionBudget(config: ServiceConfig): void {
  const byFunction = mongoConnections(config);
  const total = Object.values(byFunction).reduce((sum, n) => sum + (n ?? 0), 0);
  if (total <= config.mongo.maxConnections) return;
  const lines = Object.entries(byFunction).map(
    ([functionId, n]) =>
      `${functionId}: ${reservedConcurrency(functionId as FunctionId, config)} × ${config.mongo.maxPoolSize} = ${n}`,
  );
  throw new ContextError(
    `MongoDB connection budget exceeded: the functions can open ${total} connections, ` +
      `more than mongoMaxConnections = ${config.mongo.maxConnections}.\n  ${lines.join('\n  ')}\n` +
      'Lower -c apiConcurrency / -c operatorConcurrency / -c jobConcurrency / -c importerConcurrency /\n' +
      '-c mongoMaxPoolSize, or raise ' +
      '-c mongoMaxConnections to what the cluster accepts.',
  );
}

// Defined beside the function table (no CDK there), so the alarm table can name functions too.
export { kebabCase } from '../routes.ts';
