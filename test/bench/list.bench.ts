/**
 * Route 8 paging depth: p50/p99 of a 100-code page at page 1 and at page 500 of a 1 000 000-code
 * pool (100 000 reserved, 50 000 assigned, spread through the code order) for status=available,
 * status=reserved and no filter, and of a one-code lookup, through the real handler. Keyset paging
 * should make page 500 cost what page 1 costs (target: within 2×).
 *
 *   npx tsx test/bench/list.bench.ts            (embedded MongoDB, or MONGODB_URI when set)
 */
import { randomInt, randomUUID } from 'node:crypto';
import { benchMongo, fmt, printTable, quantile, useFunctionsInProcess } from './support.ts';

const POOL = 1_000_000;
const PAGE = 100;
const DEEP_PAGE = 500;
const SAMPLES = 50;

const mongo = await benchMongo();
useFunctionsInProcess(mongo.uri, `bench_list_${randomUUID().slice(0, 8)}`);

const { handler } = await import('../../functions/list-codes.ts');
const { closeMongoClient, getDb } = await import('../../lib/mongo/client.ts');
const { codesCollection } = await import('../../lib/mongo/collections.ts');
const { apiEvent } = await import('../support/api-events.ts');
const { lambdaContext } = await import('../support/lambda-context.ts');

const campaignId = 'bench-campaign';
const codeOf = (i: number) => `C${String(i).padStart(8, '0')}`;
const codes = await codesCollection();
const saved = new Date();
const reserved = new Date(Date.now() - 60 * 60 * 1000);
const seedStart = performance.now();
for (let i = 0; i < POOL; i += 10_000) {
  await codes.insertMany(
    Array.from({ length: 10_000 }, (_, j) => {
      const n = i + j;
      // Every 20th code assigned (50 000), every 10th (offset 1) reserved (100 000).
      const date = n % 20 === 0 ? { saved, assigned: saved } : n % 10 === 1 ? { saved, reserved } : { saved };
      return {
        _id: { campaign_id: campaignId, code: codeOf(n) },
        type: 'tm' as const,
        ...(n % 10 === 1 ? { reserveId: `r${Math.floor(n / 1000)}` } : {}),
        date,
      };
    }),
  );
}
console.log(`seeded ${fmt(POOL, 0)} codes in ${fmt((performance.now() - seedStart) / 1000)} s`);

async function list(
  query: Record<string, string>,
): Promise<{ ms: number; items: number; next: string | null }> {
  const event = apiEvent({
    method: 'GET',
    route: '/v1/{campaignId}/codes',
    pathParameters: { campaignId },
    query,
  });
  const t0 = performance.now();
  const reply = (await handler(event, lambdaContext('listCodes'))) as { statusCode: number; body: string };
  const ms = performance.now() - t0;
  if (reply.statusCode !== 200) throw new Error(`list answered ${reply.statusCode}: ${reply.body}`);
  const body = JSON.parse(reply.body) as { items: unknown[]; nextCursor: string | null };
  return { ms, items: body.items.length, next: body.nextCursor };
}

async function sample(query: Record<string, string>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const { ms, items } = await list(query);
    if (items !== PAGE) throw new Error(`expected a full page, got ${items}`);
    times.push(ms);
  }
  return times;
}

const rows: Array<[string, string]> = [];
const filters: Array<[string, Record<string, string>]> = [
  ['status=available', { status: 'available' }],
  ['status=reserved', { status: 'reserved' }],
  ['unfiltered', {}],
];
for (const [name, filter] of filters) {
  const query = { ...filter, limit: String(PAGE) };
  await list(query); // warm-up (first use builds the embedded server's ordered view of the index)
  const first = await sample(query);
  let cursor = '';
  for (let page = 1; page < DEEP_PAGE; page++) {
    const next = (await list(page === 1 ? query : { ...query, cursor })).next;
    if (!next) throw new Error(`${name}: fewer than ${DEEP_PAGE} pages`);
    cursor = next;
  }
  const deep = await sample({ ...query, cursor });
  const ratio = quantile(deep, 0.5) / quantile(first, 0.5);
  rows.push([
    `${name} page 1 p50 / p99 (ms)`,
    `${fmt(quantile(first, 0.5))} / ${fmt(quantile(first, 0.99))}`,
  ]);
  rows.push([
    `${name} page ${DEEP_PAGE} p50 / p99 (ms)`,
    `${fmt(quantile(deep, 0.5))} / ${fmt(quantile(deep, 0.99))} (${fmt(ratio, 2)}× page 1)`,
  ]);
}
const lookups: number[] = [];
for (let i = 0; i < SAMPLES; i++) {
  const { ms, items } = await list({ code: codeOf(randomInt(0, POOL)) });
  if (items !== 1) throw new Error('lookup found nothing');
  lookups.push(ms);
}
rows.push([
  'one-code lookup p50 / p99 (ms)',
  `${fmt(quantile(lookups, 0.5))} / ${fmt(quantile(lookups, 0.99))}`,
]);

printTable(
  `Route 8 pages of ${PAGE} (${fmt(POOL, 0)}-code pool, 100 000 reserved, 50 000 assigned, ${mongo.embedded ? 'embedded MongoDB' : 'MONGODB_URI'}, ${SAMPLES} samples each)`,
  rows,
);
await (await getDb()).dropDatabase();
await closeMongoClient();
await mongo.stop();
