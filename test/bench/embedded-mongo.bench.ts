/**
 * Embedded MongoDB throughput and latency on the shapes the code service sends:
 *  - 1 000 000 compound-_id codes upserted in 50 000-op unordered bulkWrites (the importer),
 *    plus one re-import batch of codes that already exist;
 *  - the available-codes query `find(available).limit(10)` (reserve), with skip, and the three
 *    status counts (`countDocuments`), on that collection with the service's indexes and another
 *    campaign's codes present.
 *
 * and, for the embedded server's own process and data directory (issue 14):
 *  - reserve latency through the local stack (gateway → function → MongoDB process), idle and
 *    while a 1 000 000-code CSV import runs, side by side;
 *  - upserts/s with the journal on (data directory) vs in memory, same process set-up;
 *  - start-up time with 5 000 000 codes on disk, and RSS per million codes;
 *  - the index keys and documents one reserve of 10 examines on a 1 000 000-code pool
 *    (serverStatus `metrics.commands`, like mongod's profiler's keysExamined/docsExamined).
 *
 *   npx tsx test/bench/embedded-mongo.bench.ts      (embedded server, or MONGODB_URI when set)
 *   BENCH_PARTS=stack,journal,startup npx tsx test/bench/embedded-mongo.bench.ts   (only those)
 *   BENCH_STARTUP_CODES=2000000 …   (fewer codes on disk for the start-up figure)
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyBulkWriteOperation, type Collection, type Document, MongoClient } from 'mongodb';
import { startEmbeddedMongoProcess } from '../../infra/local/mongo/index.ts';
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

async function queries(): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// The embedded server's own process and data directory.

const ms = (values: number[]) =>
  `p50 ${fmt(quantile(values, 0.5), 1)} ms   p99 ${fmt(quantile(values, 0.99), 1)} ms   (n=${values.length})`;

async function temporaryDirectory(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

const csvOf = (prefix: string, n: number) => {
  const lines = ['code'];
  for (let i = 0; i < n; i++) lines.push(`${prefix}${String(i).padStart(9, '0')}`);
  return `${lines.join('\n')}\n`;
};

/** (1) and the reserve's examined keys/docs: through `startLocalStack`, as `npm start` runs it. */
async function reserveThroughStack(): Promise<Array<[string, string]>> {
  const POOL = 1_000_000;
  const IMPORT = 1_000_000;
  const IDLE_RUNS = 200;
  const stateDir = await temporaryDirectory('bench-stack-');
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  const { startLocalStack } = await import('../../infra/local/stack.ts');
  const stack = await startLocalStack({ port: 0, s3Port: 0, stateDir, quiet: true });
  const admin = new MongoClient(stack.mongoUri);
  const headers = { authorization: `Bearer ${stack.supremeToken}` };
  const upload = async (campaign: string, csv: string) => {
    const response = await fetch(`${stack.s3Endpoint}/${stack.bucket}/codes/${campaign}/tm/codes.csv`, {
      method: 'PUT',
      body: csv,
    });
    if (!response.ok) throw new Error(`upload answered ${response.status}`);
  };
  const available = async (campaign: string) => {
    const response = await fetch(`${stack.apiUrl}/v1/${campaign}/codes/count?type=tm`, { headers });
    return ((await response.json()) as { available?: number }).available ?? 0;
  };
  const waitFor = async (campaign: string, n: number) => {
    while ((await available(campaign)) < n) await new Promise((resolve) => setTimeout(resolve, 500));
  };
  const reserve = async (campaign: string) => {
    const started = performance.now();
    const response = await fetch(`${stack.apiUrl}/v1/${campaign}/reserve?count=10&type=tm`, { headers });
    const codes = (await response.json()) as string[];
    if (response.status !== 200 || codes.length !== 10)
      throw new Error(`reserve answered ${response.status}`);
    return performance.now() - started;
  };
  const commandWork = async (): Promise<Document> =>
    ((await admin.db('admin').command({ serverStatus: 1 })).metrics as Document).commands as Document;
  try {
    const poolStarted = performance.now();
    await upload('pool', csvOf('P', POOL));
    await waitFor('pool', POOL);
    const poolSeconds = (performance.now() - poolStarted) / 1000;

    for (let i = 0; i < 20; i++) await reserve('pool'); // warm-up
    // What one reserve costs the database, from the server's own counters.
    const before = await commandWork();
    await reserve('pool');
    const after = await commandWork();
    let keys = 0;
    let docs = 0;
    const perCommand: string[] = [];
    for (const [name, counted] of Object.entries(after)) {
      if (name === 'serverStatus') continue;
      const was = (before[name] ?? { total: 0, keysExamined: 0, docsExamined: 0 }) as Document;
      const runs = counted.total - was.total;
      if (!runs) continue;
      const k = counted.keysExamined - was.keysExamined;
      const d = counted.docsExamined - was.docsExamined;
      keys += k;
      docs += d;
      perCommand.push(`${name}×${runs}: ${k} keys, ${d} docs`);
    }

    const idle: number[] = [];
    for (let i = 0; i < IDLE_RUNS; i++) idle.push(await reserve('pool'));

    const importStarted = performance.now();
    await upload('big', csvOf('B', IMPORT));
    let importing = true;
    const importDone = waitFor('big', IMPORT).then(() => {
      importing = false;
    });
    const during: number[] = [];
    while (importing) during.push(await reserve('pool'));
    await importDone;
    const importSeconds = (performance.now() - importStarted) / 1000;
    const p99Idle = quantile(idle, 0.99);
    const p99During = quantile(during, 0.99);
    return [
      [
        'set-up',
        `local stack, MongoDB in its own process with a data directory; pool of ${fmt(POOL)} codes imported in ${fmt(poolSeconds, 1)} s`,
      ],
      ['reserve 10, idle', ms(idle)],
      [`reserve 10, during a ${fmt(IMPORT)}-code import`, ms(during)],
      [
        'p99 during / p99 idle',
        `${fmt(p99During / p99Idle, 2)} × (target ≤ 4 ×); import took ${fmt(importSeconds, 1)} s`,
      ],
      ['one reserve of 10 examines', `${keys} index keys, ${docs} documents (${perCommand.join('; ')})`],
    ];
  } finally {
    await admin.close();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** (2) the same upserts against the server process with and without a data directory. */
async function journalOverhead(): Promise<Array<[string, string]>> {
  const N = 500_000;
  const rate = async (dbpath: string | undefined) => {
    const server = await startEmbeddedMongoProcess({ dbpath });
    const client = new MongoClient(server.uri);
    try {
      const codes = client.db('bench').collection<CodeDoc>('codes');
      await codes.createIndex({ '_id.campaign_id': 1, type: 1, 'date.assigned': 1, 'date.reserved': 1 });
      const started = performance.now();
      const { upserted } = await upsertCodes(codes, 'journal', 0, N);
      if (upserted !== N) throw new Error(`expected ${N} upserts, got ${upserted}`);
      return N / ((performance.now() - started) / 1000);
    } finally {
      await client.close();
      await server.stop();
    }
  };
  const dbpath = await temporaryDirectory('bench-journal-');
  try {
    const memory = await rate(undefined);
    const journaled = await rate(dbpath);
    return [
      [`upsert ${fmt(N)} codes, in memory`, `${fmt(memory, 0)} upserts/s`],
      [`upsert ${fmt(N)} codes, journal on`, `${fmt(journaled, 0)} upserts/s`],
      ['journal on / in memory', `${fmt(journaled / memory, 2)} × (target ≥ 0.7 ×)`],
    ];
  } finally {
    await rm(dbpath, { recursive: true, force: true });
  }
}

/** (3) start-up time with many codes on disk, and (4) the server's RSS per million codes. */
async function startupAndMemory(): Promise<Array<[string, string]>> {
  const N = Number(process.env.BENCH_STARTUP_CODES ?? 5_000_000);
  const BATCH_DOCS = 100_000;
  const dbpath = await temporaryDirectory('bench-startup-');
  const rss = async (client: MongoClient) =>
    ((await client.db('admin').command({ serverStatus: 1 })).mem as Document).resident as number;
  try {
    let server = await startEmbeddedMongoProcess({ dbpath });
    let client = new MongoClient(server.uri);
    const emptyRss = await rss(client);
    const codes = client.db('bench').collection<CodeDoc>('codes');
    await codes.createIndex({ '_id.campaign_id': 1, type: 1, 'date.assigned': 1, 'date.reserved': 1 });
    await codes.createIndex({ reserveId: 1 });
    const saved = new Date();
    const loadStarted = performance.now();
    for (let start = 0; start < N; start += BATCH_DOCS) {
      const docs: CodeDoc[] = [];
      for (let i = start; i < Math.min(N, start + BATCH_DOCS); i++) {
        docs.push({ _id: { campaign_id: 'startup', code: code(i) }, type: 'tm', date: { saved } });
      }
      await codes.insertMany(docs, { ordered: false });
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const loadedRss = await rss(client);
    await client.close();
    await server.stop();

    const started = performance.now();
    server = await startEmbeddedMongoProcess({ dbpath });
    const startSeconds = (performance.now() - started) / 1000;
    client = new MongoClient(server.uri);
    const count = await client.db('bench').collection('codes').estimatedDocumentCount();
    const restartedRss = await rss(client);
    await client.close();
    await server.stop();
    if (count !== N) throw new Error(`expected ${N} codes after restart, found ${count}`);
    const { execFileSync } = await import('node:child_process');
    const disk = execFileSync('du', ['-sh', dbpath]).toString().split('\t')[0];
    return [
      [
        `insert ${fmt(N)} codes (journal on)`,
        `${fmt(loadSeconds, 1)} s   ${fmt(N / loadSeconds, 0)} docs/s; ${disk} on disk`,
      ],
      [`start-up with ${fmt(N)} codes on disk`, `${fmt(startSeconds, 1)} s until it accepts connections`],
      [
        'RSS per million codes',
        `${fmt(((loadedRss - emptyRss) / N) * 1e6, 0)} MB after inserting; ${fmt(((restartedRss - emptyRss) / N) * 1e6, 0)} MB after a restart (empty server: ${emptyRss} MB)`,
      ],
    ];
  } finally {
    await rm(dbpath, { recursive: true, force: true });
  }
}

const PARTS = (process.env.BENCH_PARTS ?? 'queries,stack,journal,startup').split(',');
if (PARTS.includes('queries')) await queries();
const processRows: Array<[string, string]> = [];
if (PARTS.includes('stack')) processRows.push(...(await reserveThroughStack()));
if (PARTS.includes('journal')) processRows.push(...(await journalOverhead()));
if (PARTS.includes('startup')) processRows.push(...(await startupAndMemory()));
if (processRows.length) printTable('Embedded MongoDB in its own process, with a data directory', processRows);
