/**
 * The low-stock sweep (contract §6b) over many large pools, through the real sweep handler and the
 * local EventBridge: time per sweep and database commands per pool (driver command monitoring).
 * Default: 500 pools of 20 000 codes, threshold 1 000.
 *   (a) no level crossed — the steady state every minute: target 1 command per pool (the bounded
 *       count); the pools listing is shown apart.
 *   (b) every pool crosses its first level in one sweep: count + conditional update + outbox
 *       clear per pool, and one PutEvents per 10 events.
 *   (c) for contrast, an unbounded count of the same pools' available codes (what the sweep avoids).
 *
 *   npx tsx test/bench/pool-sweep.bench.ts [pools] [codesPerPool] [threshold]
 *   (embedded MongoDB, or MONGODB_URI when set). At the full size the embedded server holds 10
 *   million codes in this process: give it NODE_OPTIONS=--max-old-space-size=12288 (run-all does).
 */
import { randomUUID } from 'node:crypto';
import { startLocalEventBridge } from '../../infra/local/events/server.ts';
import { benchMongo, fmt, printTable, quantile } from './support.ts';

const [POOLS = 500, CODES = 20_000, THRESHOLD = 1000] = process.argv.slice(2).map(Number);
const SWEEPS = 3;
const CONTRAST_POOLS = Math.min(POOLS, 20);

const mongo = await benchMongo();
const bridge = await startLocalEventBridge({ busName: 'bench-events' });
const separator = mongo.uri.includes('?') ? '&' : '?';
Object.assign(process.env, {
  MONGODB_URI: `${mongo.uri}${separator}monitorCommands=true`,
  MONGODB_DB: `bench_sweep_${randomUUID().slice(0, 8)}`,
  AWS_ENDPOINT_URL_EVENTBRIDGE: bridge.endpoint,
  EVENT_BUS_NAME: bridge.busName,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

const { handler } = await import('../../functions/pool-sweep.ts');
const { getMongoClient, closeMongoClient } = await import('../../lib/mongo/client.ts');
const { codesCollection, poolsCollection } = await import('../../lib/mongo/collections.ts');
const { setThreshold } = await import('../../lib/pools/store.ts');
const { countByStatus } = await import('../../lib/codes/store.ts');
const { lambdaContext } = await import('../support/lambda-context.ts');

const campaignOf = (p: number) => `bench-pool-${String(p).padStart(4, '0')}`;
const loadStarted = performance.now();
const codes = await codesCollection();
const saved = new Date();
for (let p = 0; p < POOLS; p++) {
  for (let i = 0; i < CODES; i += 10_000) {
    await codes.insertMany(
      Array.from({ length: Math.min(10_000, CODES - i) }, (_, j) => ({
        _id: { campaign_id: campaignOf(p), code: `C${String(i + j).padStart(8, '0')}` },
        type: 'tm' as const,
        date: { saved },
      })),
    );
  }
  await setThreshold({ campaignId: campaignOf(p), type: 'tm' }, THRESHOLD, saved);
}
console.log(
  `Loaded ${fmt(POOLS)} pools × ${fmt(CODES)} codes in ${fmt((performance.now() - loadStarted) / 1000)} s`,
);

const commands = new Map<string, number>();
const client = await getMongoClient();
client.on('commandStarted', (event) =>
  commands.set(event.commandName, (commands.get(event.commandName) ?? 0) + 1),
);
const total = () => [...commands.values()].reduce((a, b) => a + b, 0);

async function timedSweep() {
  commands.clear();
  const t0 = performance.now();
  const result = await handler({}, lambdaContext('poolSweep'));
  return { ms: performance.now() - t0, result, byCommand: Object.fromEntries(commands), all: total() };
}

// (a) steady state: no level crossed.
const steady = [];
for (let i = 0; i < SWEEPS; i++) steady.push(await timedSweep());
const last = steady.at(-1)!;
// The listing of pools (find + getMore) is per sweep, not per pool.
const listing = (last.byCommand.find ?? 0) + (last.byCommand.getMore ?? 0);
const steadyMs = steady.map((s) => s.ms);

// (b) every pool crosses: a threshold above the pool size puts each at its first level.
const pools = await poolsCollection();
await pools.updateMany({}, { $set: { lowStockThreshold: CODES + 1, alertedLevel: null } });
const crossing = await timedSweep();
const crossingListing = (crossing.byCommand.find ?? 0) + (crossing.byCommand.getMore ?? 0);

// (c) contrast: an unbounded count of available codes, per pool.
const c0 = performance.now();
for (let p = 0; p < CONTRAST_POOLS; p++) {
  await countByStatus({ campaignId: campaignOf(p), type: 'tm' }, 'available', new Date());
}
const unboundedMsPerPool = (performance.now() - c0) / CONTRAST_POOLS;

printTable(
  `Pool sweep: ${fmt(POOLS)} pools × ${fmt(CODES)} codes, threshold ${fmt(THRESHOLD)} (${mongo.embedded ? 'embedded MongoDB' : 'MONGODB_URI'})`,
  [
    ['(a) no level crossed: sweep p50 (ms)', `${fmt(quantile(steadyMs, 0.5))} (${SWEEPS} sweeps)`],
    ['    per pool (ms)', fmt(quantile(steadyMs, 0.5) / POOLS, 2)],
    ['    DB commands per pool', fmt((last.all - listing) / POOLS, 3)],
    ['    DB commands listing the pools', `${listing} per sweep`],
    ['    commands', JSON.stringify(last.byCommand)],
    [
      '(b) every pool crosses: sweep (ms)',
      `${fmt(crossing.ms)} (${crossing.result.alerts} alerts, ${crossing.result.published} published)`,
    ],
    ['    DB commands per pool', fmt((crossing.all - crossingListing) / POOLS, 3)],
    ['    commands', JSON.stringify(crossing.byCommand)],
    ['    events at the local EventBridge', fmt(bridge.events('Pool Low').length)],
    [`(c) unbounded count, per pool (ms, ${CONTRAST_POOLS} pools)`, fmt(unboundedMsPerPool, 2)],
  ],
);

await closeMongoClient();
await bridge.stop();
await mongo.stop();
const ok = (last.all - listing) / POOLS === 1 && crossing.result.published === POOLS;
if (!ok) process.exitCode = 1;
