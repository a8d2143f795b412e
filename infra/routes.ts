/**
 * The one route table. The CDK stack builds API Gateway routes from it and the local gateway
 * serves the same list, so the deployed API and `npm start` cannot drift apart.
 */
export const FUNCTIONS = {
  authorizer: {
    entry: 'functions/authorizer.ts',
    description: 'JWT Lambda authorizer (HTTP API, simple responses)',
  },
  heartbeat: { entry: 'functions/heartbeat.ts', description: 'GET /heartbeat' },
  upload: { entry: 'functions/upload.ts', description: 'POST /v1/{campaignId}/codes' },
  count: { entry: 'functions/count.ts', description: 'GET /v1/{campaignId}/codes/count' },
  reserve: { entry: 'functions/reserve.ts', description: 'GET /v1/{campaignId}/reserve' },
  assign: { entry: 'functions/assign.ts', description: 'POST /v1/{campaignId}/assign' },
  release: { entry: 'functions/release.ts', description: 'POST /v1/{campaignId}/release' },
  getImport: { entry: 'functions/get-import.ts', description: 'GET /v1/{campaignId}/imports/{importId}' },
  importS3: {
    entry: 'functions/import-s3.ts',
    description: 'S3 ObjectCreated trigger: streaming CSV importer',
  },
  startExport: { entry: 'functions/start-export.ts', description: 'POST /v1/{campaignId}/exports' },
  getExport: { entry: 'functions/get-export.ts', description: 'GET /v1/{campaignId}/exports/{exportId}' },
  exportCodes: {
    entry: 'functions/export-codes.ts',
    description: 'Export job: streams a pool as CSV into exports/ (started by route 12)',
  },
  startPurge: { entry: 'functions/start-purge.ts', description: 'POST /v1/{campaignId}/purges' },
  getPurge: { entry: 'functions/get-purge.ts', description: 'GET /v1/{campaignId}/purges/{purgeId}' },
  purgeCodes: {
    entry: 'functions/purge-codes.ts',
    description: 'Purge job: deletes a pool codes of some statuses in batches (started by route 14)',
  },
} as const;

export type FunctionId = keyof typeof FUNCTIONS;

export type HttpMethod = 'GET' | 'POST';

export interface Route {
  method: HttpMethod;
  /** API Gateway path syntax: `{name}` is a path parameter. */
  path: string;
  function: FunctionId;
  /** Guarded by the JWT Lambda authorizer. */
  authorized: boolean;
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/heartbeat', function: 'heartbeat', authorized: false },
  { method: 'POST', path: '/v1/{campaignId}/codes', function: 'upload', authorized: true },
  { method: 'GET', path: '/v1/{campaignId}/codes/count', function: 'count', authorized: true },
  { method: 'GET', path: '/v1/{campaignId}/reserve', function: 'reserve', authorized: true },
  { method: 'POST', path: '/v1/{campaignId}/assign', function: 'assign', authorized: true },
  { method: 'POST', path: '/v1/{campaignId}/release', function: 'release', authorized: true },
  { method: 'GET', path: '/v1/{campaignId}/imports/{importId}', function: 'getImport', authorized: true },
  { method: 'POST', path: '/v1/{campaignId}/exports', function: 'startExport', authorized: true },
  { method: 'GET', path: '/v1/{campaignId}/exports/{exportId}', function: 'getExport', authorized: true },
  { method: 'POST', path: '/v1/{campaignId}/purges', function: 'startPurge', authorized: true },
  { method: 'GET', path: '/v1/{campaignId}/purges/{purgeId}', function: 'getPurge', authorized: true },
];

/** The route key API Gateway uses (`GET /v1/{campaignId}/reserve`). */
export const routeKey = (route: Route): string => `${route.method} ${route.path}`;

/** The function the S3 trigger and the upload route's asynchronous hand-off invoke. */
export const IMPORTER_FUNCTION: FunctionId = 'importS3';

/** The function route 12 hands exports to (asynchronous Invoke). */
export const EXPORTER_FUNCTION: FunctionId = 'exportCodes';

/** The function route 14 hands purges to (asynchronous Invoke). */
export const PURGER_FUNCTION: FunctionId = 'purgeCodes';

/** Functions that run jobs handed over by a route (asynchronous Invoke). */
export const JOB_FUNCTIONS: readonly FunctionId[] = [EXPORTER_FUNCTION, PURGER_FUNCTION];

/** Where export files go in the codes bucket: never under IMPORT_TRIGGER's prefix. */
export const EXPORTS_PREFIX = 'exports/';

/** Objects whose creation triggers an import — the S3 notification filter, deployed and local. */
export const IMPORT_TRIGGER = { prefix: 'codes/', suffix: '.csv' } as const;
