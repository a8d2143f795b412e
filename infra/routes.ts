import { API_ROUTES, type HttpMethod } from '../lib/http/routes.ts';

/**
 * The one route table. The CDK stack builds API Gateway routes from it and the local gateway
 * serves the same list, so the deployed API and `npm start` cannot drift apart. The routes
 * themselves (with their schemas, which also build the OpenAPI document) live in
 * lib/http/routes.ts; this file adds the functions that serve them.
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
  listCodes: { entry: 'functions/list-codes.ts', description: 'GET /v1/{campaignId}/codes' },
  listImports: { entry: 'functions/list-imports.ts', description: 'GET /v1/{campaignId}/imports' },
  openapi: { entry: 'functions/openapi.ts', description: 'GET /openapi.json' },
  importS3: {
    entry: 'functions/import-s3.ts',
    description: 'S3 ObjectCreated trigger: streaming CSV importer',
  },
  getPool: { entry: 'functions/get-pool.ts', description: 'GET /v1/{campaignId}/pools/{type}' },
  putPool: { entry: 'functions/put-pool.ts', description: 'PUT /v1/{campaignId}/pools/{type}' },
  poolSweep: {
    entry: 'functions/pool-sweep.ts',
    description: 'Scheduled low-stock sweep: publishes Pool Low / Pool Empty events',
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

export type { HttpMethod };

export interface Route {
  method: HttpMethod;
  /** API Gateway path syntax: `{name}` is a path parameter. */
  path: string;
  function: FunctionId;
  /** Guarded by the JWT Lambda authorizer. */
  authorized: boolean;
}

// Every route's function must be one of FUNCTIONS: a route naming another fails to compile here.
type RouteFunction = (typeof API_ROUTES)[number]['function'];
const routeFunction = (id: RouteFunction): FunctionId => id;

export const ROUTES: readonly Route[] = API_ROUTES.map((route) => ({
  method: route.method,
  path: route.path,
  function: routeFunction(route.function),
  authorized: route.authorized,
}));

export { routeKey } from '../lib/http/routes.ts';

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

/** The scheduled low-stock sweep (contract §6b): every minute when deployed. */
export const POOL_SWEEP_FUNCTION: FunctionId = 'poolSweep';
export const POOL_SWEEP_RATE_MINUTES = 1;

/** `getImport` → `get-import`: function names and construct ids read like the entry files. */
export const kebabCase = (id: string): string => id.replace(/[A-Z0-9]+/g, (m) => `-${m.toLowerCase()}`);
