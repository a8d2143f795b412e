/**
 * Cold start: every function's bundle as deployed (esbuild.config.mjs, the options `npm run build`
 * and the CDK stack use) is loaded in fresh Node processes, next to an empty module in the same
 * run. Per bundle it prints the median time to import the module (module init: what a Lambda cold
 * start pays before the handler runs) and the median time of the first invocation, over RUNS
 * processes each. The first invocations are real requests against the embedded MongoDB (or
 * MONGODB_URI), chosen so no function needs AWS: a malformed token for the authorizer, an upload
 * key for another campaign (400 before S3), an S3 test event for the importer.
 * Fails when an HTTP function's init exceeds MAX_RATIO × the authorizer's.
 *
 *   npx tsx test/bench/cold-start.bench.ts
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { esbuildConfig } from '../../infra/bundling.ts';
import { FUNCTIONS, type FunctionId, ROUTES } from '../../infra/routes.ts';
import { apiEvent } from '../support/api-events.ts';
import { benchMongo, fmt, functionEnv, quantile } from './support.ts';

/** Fresh processes per bundle (odd, so the median is one of them). */
const RUNS = 11;
/** The target of issue 9: an HTTP function's init at most this many times the authorizer's. */
const MAX_RATIO = 2.5;

const mongo = await benchMongo();
const env = {
  ...functionEnv(mongo.uri),
  MONGODB_DB: 'bench_cold_start',
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

const route = (functionId: FunctionId) => ROUTES.find((r) => r.function === functionId)!;
const http = (functionId: FunctionId, request: Partial<Parameters<typeof apiEvent>[0]>) =>
  apiEvent({ method: route(functionId).method, route: route(functionId).path, ...request });
const campaign = { campaignId: 'bench' };

/** The first request each function serves (no AWS needed, the database is real). */
const FIRST_EVENTS: Record<FunctionId, unknown> = {
  authorizer: { type: 'REQUEST', headers: { authorization: 'Bearer not.a.jwt' }, requestContext: {} },
  heartbeat: http('heartbeat', { auth: null }),
  upload: http('upload', { pathParameters: campaign, body: { fileKey: 'codes/other/tm/f.csv' } }),
  count: http('count', { pathParameters: campaign, query: { type: 'tm' } }),
  reserve: http('reserve', { pathParameters: campaign, query: { type: 'tm', count: '1' } }),
  assign: http('assign', { pathParameters: campaign, body: { codes: ['NONE'] } }),
  release: http('release', { pathParameters: campaign, body: { codes: ['NONE'] } }),
  getImport: http('getImport', { pathParameters: { ...campaign, importId: '0'.repeat(32) } }),
  listCodes: http('listCodes', { pathParameters: campaign, query: { type: 'tm' } }),
  listImports: http('listImports', { pathParameters: campaign }),
  openapi: http('openapi', { auth: null }),
  getPool: http('getPool', { pathParameters: { ...campaign, type: 'tm' } }),
  putPool: http('putPool', {
    pathParameters: { ...campaign, type: 'tm' },
    body: { lowStockThreshold: null },
  }),
  poolSweep: {},
  startExport: http('startExport', { pathParameters: campaign, body: { type: 'nope' } }),
  getExport: http('getExport', { pathParameters: { ...campaign, exportId: '0'.repeat(32) } }),
  startPurge: http('startPurge', { pathParameters: campaign, body: { type: 'nope', statuses: [] } }),
  getPurge: http('getPurge', { pathParameters: { ...campaign, purgeId: '0'.repeat(32) } }),
  exportCodes: { kind: 'unknown' },
  purgeCodes: { kind: 'unknown' },
  importS3: { Event: 's3:TestEvent' },
};

// Runs in each fresh process: import the bundle (timed), then one invocation (timed).
const PROBE = `
const file = process.argv[1];
const event = JSON.parse(process.argv[2] ?? 'null');
const t0 = performance.now();
const mod = await import(file);
const t1 = performance.now();
let invokeMs = 0;
if (event) {
  const context = { functionName: 'bench', functionVersion: '$LATEST', awsRequestId: 'bench',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bench', memoryLimitInMB: '512',
    logGroupName: 'bench', logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 29000, done() {}, fail() {}, succeed() {} };
  const t2 = performance.now();
  // A first request the function refuses (a job's unknown payload) is still its first invocation.
  await Promise.resolve(mod.handler(event, context)).catch(() => undefined);
  invokeMs = performance.now() - t2;
}
process.stdout.write(JSON.stringify({ initMs: t1 - t0, invokeMs }));
process.exit(0);
`;

// Asynchronous: the embedded MongoDB runs in this process and must keep answering meanwhile.
const run = promisify(execFile);
async function probe(file: string, event: unknown): Promise<{ initMs: number; invokeMs: number }> {
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '-e', PROBE, file, event === undefined ? '' : JSON.stringify(event)],
    { env, encoding: 'utf8' },
  );
  return JSON.parse(stdout) as { initMs: number; invokeMs: number };
}

// Inside node_modules/.cache so `@aws-sdk/*` (external, as on Lambda) resolves to the installed SDK.
const cacheDir = join(esbuildConfig.PROJECT_ROOT, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const outDir = mkdtempSync(join(cacheDir, 'cold-start-'));
try {
  const bundles = await esbuildConfig.bundleFunctions({ outDir });
  const empty = join(outDir, 'empty', 'index.mjs');
  mkdirSync(join(outDir, 'empty'), { recursive: true });
  writeFileSync(empty, 'export const handler = async () => ({});\n');

  const idOf = Object.fromEntries(
    (Object.keys(FUNCTIONS) as FunctionId[]).map((id) => [
      FUNCTIONS[id].entry.replace(/^functions\/|\.ts$/g, ''),
      id,
    ]),
  ) as Record<string, FunctionId>;
  const rows: Array<{ name: string; id?: FunctionId; init: number; invoke: number }> = [];
  const measure = async (name: string, file: string, event: unknown, id?: FunctionId) => {
    const runs: Array<{ initMs: number; invokeMs: number }> = [];
    // One at a time: processes started together would slow each other down.
    for (let i = 0; i < RUNS; i++) runs.push(await probe(file, event));
    rows.push({
      name,
      ...(id ? { id } : {}),
      init: quantile(
        runs.map((r) => r.initMs),
        0.5,
      ),
      invoke: quantile(
        runs.map((r) => r.invokeMs),
        0.5,
      ),
    });
  };
  // In the same run as the bundles, so the baseline sees the same machine load.
  await measure('(empty module)', empty, {});
  for (const bundle of bundles) {
    const id = idOf[bundle.name]!;
    await measure(bundle.name, bundle.file, FIRST_EVENTS[id], id);
  }

  const authorizerInit = rows.find((row) => row.id === 'authorizer')!.init;
  const httpFunctions = new Set(ROUTES.map((r) => r.function));
  console.log(`\nCold start (median of ${RUNS} fresh processes per bundle, Node ${process.version})`);
  console.log(
    `${'bundle'.padEnd(16)}${'init ms'.padStart(9)}${'× authorizer'.padStart(14)}${'1st call ms'.padStart(13)}`,
  );
  let failed = false;
  for (const row of rows) {
    const ratio = row.init / authorizerInit;
    const over = row.id !== undefined && httpFunctions.has(row.id) && ratio > MAX_RATIO;
    failed ||= over;
    console.log(
      `${row.name.padEnd(16)}${fmt(row.init).padStart(9)}${`${fmt(ratio, 2)}×`.padStart(14)}${fmt(row.invoke).padStart(13)}${over ? `  OVER ${MAX_RATIO}×` : ''}`,
    );
  }
  console.log(`HTTP functions' init target: ≤ ${MAX_RATIO}× the authorizer's (${fmt(authorizerInit)} ms)`);
  if (failed) process.exitCode = 1;
} finally {
  rmSync(outDir, { recursive: true, force: true });
  await mongo.stop();
}
