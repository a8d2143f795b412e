/**
 * Reserve under contention: 64 concurrent callers × 10 codes against a 100 000-code pool, through
 * the real reserve handler. Prints requests/s, p50/p99 latency, fulfilment, duplicates and the
 * mean number of database commands per reserve (driver command monitoring).
 *
 *   npx tsx test/bench/reserve.bench.ts            (embedded MongoDB, or MONGODB_URI when set)
 */
import { randomUUID } from 'node:crypto';
import { benchMongo, fmt, printTable, quantile, useFunctionsInProcess } from './support.ts';

const POOL = 100_000;
const CALLERS = 64;
const PER_CALL = 10;
const WAVES = 5; // 5 waves × 64 callers = 320 reservations, 3 200 codes

const mongo = await benchMongo();
const separator = mongo.uri.includes('?') ? '&' : '?';
useFunctionsInProcess(
  `${mongo.uri}${separator}monitorCommands=true`,
  `bench_reserve_${randomUUID().slice(0, 8)}`,
);

const { handler } = await import('../../functions/reserve.ts');
const { getMongoClient, closeMongoClient } = await import('../../lib/mongo/client.ts');
const { codesCollection } = await import('../../lib/mongo/collections.ts');
const { apiEvent } = await import('../support/api-events.ts');
const { lambdaContext } = await import('../support/lambda-context.ts');

const campaignId = 'bench-campaign';
const codes = await codesCollection();
const saved = new Date();
for (let i = 0; i < POOL; i += 10_000) {
  await codes.insertMany(
    Array.from({ length: 10_000 }, (_, j) => ({
      _id: { campaign_id: campaignId, code: `C${String(i + j).padStart(8, '0')}` },
      type: 'tm' as const,
      date: { saved },
    })),
  );
}

let commands = 0;
const client = await getMongoClient();
client.on('commandStarted', () => {
  commands++;
});

const latencies: number[] = [];
const granted: string[] = [];
let requested = 0;
const started = performance.now();
for (let wave = 0; wave < WAVES; wave++) {
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      const t0 = performance.now();
      const event = apiEvent({
        method: 'GET',
        route: '/v1/{campaignId}/reserve',
        pathParameters: { campaignId },
        query: { count: String(PER_CALL), type: 'tm' },
      });
      const reply = (await handler(event, lambdaContext('reserve'))) as { statusCode: number; body: string };
      latencies.push(performance.now() - t0);
      requested += PER_CALL;
      if (reply.statusCode !== 200) throw new Error(`reserve answered ${reply.statusCode}: ${reply.body}`);
      granted.push(...(JSON.parse(reply.body) as string[]));
    }),
  );
}
const seconds = (performance.now() - started) / 1000;
const reservations = WAVES * CALLERS;
const duplicates = granted.length - new Set(granted).size;

printTable(
  `Reserve under contention (${CALLERS} concurrent × ${PER_CALL} codes, ${fmt(POOL)}-code pool, ${mongo.embedded ? 'embedded MongoDB' : 'MONGODB_URI'})`,
  [
    ['reservations', fmt(reservations)],
    ['requests/s', fmt(reservations / seconds)],
    ['latency p50 (ms)', fmt(quantile(latencies, 0.5))],
    ['latency p99 (ms)', fmt(quantile(latencies, 0.99))],
    ['fulfilment', `${fmt((100 * granted.length) / requested, 2)} %`],
    ['duplicates', String(duplicates)],
    ['DB commands / reserve', fmt(commands / reservations, 2)],
  ],
);

await closeMongoClient();
await mongo.stop();
if (duplicates > 0 || granted.length !== requested) process.exitCode = 1;
