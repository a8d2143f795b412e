/**
 * Embedded MongoDB throughput and latency on the shapes the code service sends:
 *  - 1 000 000 compound-_id codes upserted in 50 000-op unordered bulkWrites (the importer),
 *    plus one re-import batch of codes that already exist;
 *  - the available-codes query `find(available).limit(10)` (reserve), with skip, and the three
 *    status counts (`countDocuments`), on that collection with the service's indexes and another
 *    campaign's codes present.
 *
 *   npx tsx test/bench/embedded-mongo.bench.ts      (embedded server, or MONGODB_URI when set)
 */
import { randomUUID } from 'node:crypto';
import { type AnyBulkWriteOperation, type Collection, MongoClient } from 'mongodb';
import { statusFilter } from '../../lib/codes/status-filters.ts';
import { benchMongo, fmt, printTable, quantile } from './support.ts';

interface CodeDoc {
  _id: { campaign_id: string; code: string };
  type: 'tm' | 'external';
  reserveId?: string;
  date: { saved: Date; reserved?: Date; assigned?: Date };
}

const CODES = 1_000_000;
const OTHER_CAMPAIGN_CODES = 200_000;
const BATCH = 50_000;
const QUERY_RUNS = 200;
const COUNT_RUNS = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

const code = (i: number) => `C${String(i).padStart(9, '0')}`;

async function upsertCodes(codes: Collection<CodeDoc>, campaignId: string, from: number, to: number) {
  let upserted = 0;
  let modified = 0;
  for (let start = from; start < to; start += BATCH) {
    const now = new Date();
    const ops: AnyBulkWriteOperation<CodeDoc>[] = [];
    for (let i = start; i < Math.min(to, start + BATCH); i++) {
      ops.push({
        updateOne: {
          filter: { _id: { campaign_id: campaignId, code: code(i) } },
          update: { $set: { type: 'tm', 'date.saved': now } },
          upsert: true,
        },
      });
    }
    const result = await codes.bulkWrite(ops, { ordered: false });
    upserted += result.upsertedCount;
    modified += result.modifiedCount;
  }
  return { upserted, modified };
}

// The service's own filters, so the figures are for the exact queries it sends.
const statusFilters = (campaignId: string) => {
  const scope = { campaignId, type: 'tm' as const };
  const now = new Date();
  return {
    available: statusFilter(scope, 'available', now),
    reserved: statusFilter(scope, 'reserved', now),
    assigned: statusFilter(scope, 'assigned', now),
  };
};

async function timeRuns(runs: number, fn: () => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    latencies.push(performance.now() - started);
  }
  return latencies;
}

export async function main(): Promise<void> {
  const mongo = await benchMongo();
  const client = new MongoClient(mongo.uri);
  const db = client.db(`bench_embedded_${randomUUID().slice(0, 8)}`);
  const codes = db.collection<CodeDoc>('codes');
  const rows: Array<[string, string]> = [];
  try {
    await codes.createIndex({ '_id.campaign_id': 1, type: 1, 'date.assigned': 1, 'date.reserved': 1 });
    await codes.createIndex({ reserveId: 1 });

    await upsertCodes(codes, 'other-campaign', 0, OTHER_CAMPAIGN_CODES);

    const importStarted = performance.now();
    const imported = await upsertCodes(codes, 'bench-campaign', 0, CODES);
    const importSeconds = (performance.now() - importStarted) / 1000;
    if (imported.upserted !== CODES) throw new Error(`expected ${CODES} upserts, got ${imported.upserted}`);

    const reimportStarted = performance.now();
    const reimported = await upsertCodes(codes, 'bench-campaign', 0, BATCH);
    const reimportSeconds = (performance.now() - reimportStarted) / 1000;
    if (reimported.modified !== BATCH) {
      throw new Error(`expected ${BATCH} modified, got ${reimported.modified}`);
    }

    // Some codes reserved (live and expired) and assigned, so every status bucket is populated.
    const now = new Date();
    const ids = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ campaign_id: 'bench-campaign', code: code(from + i) }));
    const reserveStarted = performance.now();
    const reservedResult = await codes.updateMany(
      { _id: { $in: ids(0, 5_000) }, ...statusFilters('bench-campaign').available },
      { $set: { 'date.reserved': now, reserveId: 'r1' } },
    );
    const reserveMs = performance.now() - reserveStarted;
    if (reservedResult.modifiedCount !== 5_000) throw new Error(`reserved ${reservedResult.modifiedCount}`);
    await codes.updateMany(
      { _id: { $in: ids(5_000, 5_000) } },
      { $set: { 'date.reserved': new Date(now.getTime() - 2 * DAY_MS), reserveId: 'r0' } },
    );
    await codes.updateMany({ _id: { $in: ids(10_000, 5_000) } }, { $set: { 'date.assigned': now } });

    const filters = statusFilters('bench-campaign');
    const findLatencies = await timeRuns(QUERY_RUNS, async () => {
      const found = await codes.find(filters.available).limit(10).toArray();
      if (found.length !== 10) throw new Error(`available query returned ${found.length}`);
    });
    const skipLatencies = await timeRuns(QUERY_RUNS, async () => {
      const found = await codes
        .find(filters.available, { projection: { _id: 1 } })
        .skip(2_000)
        .limit(10)
        .toArray();
      if (found.length !== 10) throw new Error(`available query with skip returned ${found.length}`);
    });
    const heldLatencies = await timeRuns(QUERY_RUNS, async () => {
      const held = await codes
        .find({ reserveId: 'r1', '_id.campaign_id': 'bench-campaign', 'date.assigned': { $exists: false } })
        .project({ _id: 1 })
        .toArray();
      if (held.length !== 5_000) throw new Error(`reservation holds ${held.length}`);
    });
    const countLatencies: Record<string, number[]> = {};
    const counts: Record<string, number> = {};
    for (const status of ['available', 'reserved', 'assigned'] as const) {
      countLatencies[status] = await timeRuns(COUNT_RUNS, async () => {
        counts[status] = await codes.countDocuments(filters[status]);
      });
    }
    const expected = { available: CODES - 10_000, reserved: 5_000, assigned: 5_000 };
    for (const status of Object.keys(expected) as Array<keyof typeof expected>) {
      if (counts[status] !== expected[status]) {
        throw new Error(`${status}: ${counts[status]} != ${expected[status]}`);
      }
    }

    const ms = (values: number[]) =>
      `p50 ${fmt(quantile(values, 0.5), 2)} ms   p99 ${fmt(quantile(values, 0.99), 2)} ms`;
    rows.push(
      ['server', mongo.embedded ? 'embedded (in-memory)' : 'MONGODB_URI'],
      ['collection', `${fmt(CODES)} codes + ${fmt(OTHER_CAMPAIGN_CODES)} of another campaign`],
      [
        `upsert ${fmt(CODES)} new codes`,
        `${fmt(importSeconds, 2)} s   ${fmt(CODES / importSeconds, 0)} upserts/s   (batches of ${fmt(BATCH)}, unordered)`,
      ],
      [
        `re-upsert ${fmt(BATCH)} existing codes`,
        `${fmt(reimportSeconds, 2)} s   ${fmt(BATCH / reimportSeconds, 0)} upserts/s`,
      ],
      [`find(available).limit(10) x${QUERY_RUNS}`, ms(findLatencies)],
      [`find(available).skip(2000).limit(10) x${QUERY_RUNS}`, ms(skipLatencies)],
      ['updateMany(_id $in 5,000 + available filter)', `${fmt(reserveMs, 1)} ms (reserves 5,000 codes)`],
      [`find({reserveId, campaign}) 5,000 codes x${QUERY_RUNS}`, ms(heldLatencies)],
      [
        `countDocuments(available) x${COUNT_RUNS}`,
        `${ms(countLatencies.available!)}   = ${fmt(counts.available!)}`,
      ],
      [
        `countDocuments(reserved) x${COUNT_RUNS}`,
        `${ms(countLatencies.reserved!)}   = ${fmt(counts.reserved!)}`,
      ],
      [
        `countDocuments(assigned) x${COUNT_RUNS}`,
        `${ms(countLatencies.assigned!)}   = ${fmt(counts.assigned!)}`,
      ],
      [
        'server heap after run',
        `${fmt(process.memoryUsage().heapUsed / 2 ** 20, 0)} MB (includes the client)`,
      ],
    );
    printTable('Embedded MongoDB benchmark', rows);
  } finally {
    await db.dropDatabase().catch(() => {});
    await client.close();
    await mongo.stop();
  }
}

await main();
