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
  importS3: { needs: ['mongo', 'codesBucket'], timeout: Duration.minutes(15), memory: 'importer' },
  startExport: { needs: ['mongo', 'exporter'], timeout: API_TIMEOUT, memory: 'api' },
  getExport: { needs: ['mongo', 'exportsRead'], timeout: API_TIMEOUT, memory: 'api' },
  // Streams a pool of any size: up to Lambda's maximum; Lambda's retry starts it over.
  exportCodes: { needs: ['mongo', 'exportsWrite'], timeout: Duration.minutes(15), memory: 'importer' },
  startPurge: { needs: ['mongo', 'purger'], timeout: API_TIMEOUT, memory: 'api' },
  getPurge: { needs: ['mongo'], timeout: API_TIMEOUT, memory: 'api' },
  // Batches of deletes, each noted in the record: a retry after the timeout resumes the purge.
  purgeCodes: { needs: ['mongo'], timeout: Duration.minutes(15), memory: 'api' },
};

/** `getImport` → `get-import`: function names and construct ids read like the entry files. */
export const kebabCase = (id: string): string => id.replace(/[A-Z0-9]+/g, (m) => `-${m.toLowerCase()}`);
