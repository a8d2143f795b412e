import { Duration } from 'aws-cdk-lib';
import type { FunctionId } from '../routes.ts';

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
  | 'events';

export interface FunctionSettings {
  needs: readonly Need[];
  timeout: Duration;
  /** 'api' = the apiMemoryMb context value, 'importer' = importerMemoryMb. */
  memory: 'api' | 'importer';
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
  authorizer: { needs: ['auth'], timeout: Duration.seconds(10), memory: 'api' },
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
  getImport: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api' },
  // Lambda's maximum: a very large file streams for minutes; progress is saved as it goes.
  importS3: {
    needs: ['mongo', 'codesBucket', 'events'],
    timeout: Duration.minutes(15),
    memory: 'importer',
  },
  getPool: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api' },
  putPool: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api' },
  // Runs every minute: one run should finish before the next starts (overlaps are harmless).
  poolSweep: { needs: ['mongo', 'events'], timeout: Duration.seconds(55), memory: 'api' },
};

/** `getImport` → `get-import`: function names and construct ids read like the entry files. */
export const kebabCase = (id: string): string => id.replace(/[A-Z0-9]+/g, (m) => `-${m.toLowerCase()}`);
