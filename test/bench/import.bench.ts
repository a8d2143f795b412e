/**
 * The streaming importer against s3rver and MongoDB (embedded, or MONGODB_URI when set), for
 * files of 1 000 000 and 5 000 000 codes. For each size, in the same run:
 *   (a) csv-parse alone over the same S3 object (GetObject stream, the importer's parser options);
 *   (b) a bare driver bulkWrite of the same codes, in the same 50 000-code batches, one at a time;
 *   (c) the importer end to end: the importer function as deployed (its esbuild bundle) handling
 *       the object's S3 event.
 * Each runs in its own child process, so the peak RSS of (c) is the importing process's alone and
 * the sizes do not share a heap; (b) and (c) each get a fresh embedded server process. Targets:
 * (c) ≥ 0.85 × min(a, b) codes/s; peak RSS of (c) at 5 M ≤ 1.15 × at 1 M and ≤ 256 MiB.
 *
 *   npx tsx test/bench/import.bench.ts                  1 000 000 and 5 000 000 codes (~7 min)
 *   npx tsx test/bench/import.bench.ts 200000 1000000   other sizes
 *   BENCH_LOG_LEVEL=INFO npx tsx …                      also print the importer's per-batch log lines
 *   BENCH_E2E_RUNS=3 npx tsx …                          runs of (c) per size (default 2)
 *
 * Peak RSS is the process's maximum resident set size (getrusage), in MiB: the highest of (c)'s
 * runs, whose rate is their combined codes over their combined time.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { MongoClient } from 'mongodb';
import { s3Event } from '../../infra/local/s3/event.ts';
import {
  finishSizedBench,
  fmt,
  freshDatabase,
  handlerDriver,
  type Measured,
  measure,
  peakRssMb,
  printTable,
} from './support.ts';

const BUCKET = 'import-bench';
const BATCH_SIZE = 50_000;
const CAMPAIGN = 'bench';
/** Runs of (c) per size (BENCH_E2E_RUNS). */
const E2E_RUNS = Math.max(1, Number(process.env.BENCH_E2E_RUNS ?? 2));
/** Fixed-width codes (15 characters + `\n`), so the file's length is known before it is written. */
const CODE_BYTES = 16;
const codeAt = (i: number): string => `BENCH-${String(i).padStart(9, '0')}`;
const keyFor = (size: number): string => `codes/${CAMPAIGN}/tm/bench-${size}.csv`;

type Mode = 'parse' | 'bulk';

// ------------------------------------------------------------------------------- child processes

async function child(mode: Mode, size: number): Promise<Measured> {
  const key = keyFor(size);
  if (mode === 'parse') {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const { parse } = await import('csv-parse');
    const { CSV_OPTIONS } = await import('../../lib/import/csv.ts');
    const s3 = new S3Client({
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const started = performance.now();
    const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    let codes = 0;
    const parser = parse(CSV_OPTIONS);
    parser.on('data', () => {
      codes++;
    });
    const done = new Promise((resolve, reject) => parser.on('end', resolve).on('error', reject));
    (response.Body as unknown as Readable).pipe(parser);
    await done;
    return { codes, seconds: (performance.now() - started) / 1000, maxRssMb: peakRssMb() };
  }
  if (mode === 'bulk') {
    const { CODE_INDEXES } = await import('../../lib/mongo/collections.ts');
    const client = await new MongoClient(process.env.MONGODB_URI!).connect();
    const collection = client.db(process.env.MONGODB_DB).collection('codes');
    await collection.createIndexes(CODE_INDEXES);
    const started = performance.now();
    let inserted = 0;
    for (let from = 0; from < size; from += BATCH_SIZE) {
      const update = { $set: { type: 'tm', 'date.saved': new Date() } };
      const operations = [];
      for (let i = from; i < Math.min(size, from + BATCH_SIZE); i++) {
        operations.push({
          updateOne: { filter: { _id: { campaign_id: CAMPAIGN, code: codeAt(i) } }, update, upsert: true },
        });
      }
      inserted += (await collection.bulkWrite(operations as never[], { ordered: false })).upsertedCount;
    }
    const seconds = (performance.now() - started) / 1000;
    await client.close();
    return { codes: inserted, seconds, maxRssMb: peakRssMb() };
  }
  throw new Error(`unknown mode ${mode}`);
}

/**
 * The end-to-end run: the importer function as deployed (its esbuild bundle, built with the
 * project's shared options), driven by a few lines of plain JavaScript — no TypeScript loader in
 * the process whose memory is measured. It receives the object's S3 event and reports its time,
 * its counts and the process's peak RSS.
 */
const IMPORT_DRIVER = handlerDriver(
  'importS3',
  `const outcome = result.imports[0];
if (outcome.status !== 'succeeded') throw new Error('import ' + JSON.stringify(outcome));
console.log(JSON.stringify({ codes: outcome.count.in, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, detail: outcome.count }));`,
);

// -------------------------------------------------------------------------------------- parent

const runChild = (mode: Mode, size: number, env: Record<string, string>) =>
  measure(['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, String(size)], env);

/** The CSV, generated while it is uploaded: neither side holds more than a chunk of it. */
function csvStream(size: number): Readable {
  const perChunk = 4096;
  let next = 0;
  return new Readable({
    read() {
      if (next >= size) {
        this.push(null);
        return;
      }
      const end = Math.min(size, next + perChunk);
      let text = '';
      for (let i = next; i < end; i++) text += `${codeAt(i)}\n`;
      next = end;
      this.push(text);
    },
  });
}

async function parent(sizes: number[]): Promise<void> {
  const began = performance.now();
  const { startS3rver, s3Environment } = await import('../support/s3rver.ts');
  const s3 = await startS3rver({ bucket: BUCKET });
  // The importer as deployed. Kept under node_modules so its external @aws-sdk imports resolve.
  const { esbuildConfig } = await import('../../infra/bundling.ts');
  const [bundle] = await esbuildConfig.bundleFunctions({
    outDir: join(esbuildConfig.PROJECT_ROOT, 'node_modules', '.cache', 'import-bench'),
    entries: [join(esbuildConfig.FUNCTIONS_DIR, 'import-s3.ts')],
  });
  const run = randomUUID().slice(0, 8);
  const baseEnv = {
    ...s3Environment(s3),
    IMPORT_BATCH_SIZE: String(BATCH_SIZE),
    POWERTOOLS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_SERVICE_NAME: 'code-service',
  };
  /** Runs one measurement against a fresh database. */
  const withDatabase = async (
    name: string,
    measureIt: (env: Record<string, string>) => Promise<Measured>,
  ) => {
    const database = await freshDatabase(`bench_import_${name}_${run}`);
    try {
      return await measureIt({ ...baseEnv, MONGODB_URI: database.uri, MONGODB_DB: database.db });
    } finally {
      await database.release();
    }
  };
  const results: { size: number; parse: Measured; bulk: Measured; importer: Measured }[] = [];
  try {
    for (const size of sizes) {
      const t0 = performance.now();
      await s3.client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: keyFor(size),
          Body: csvStream(size),
          ContentLength: size * CODE_BYTES,
        }),
      );
      console.error(
        `[bench] ${fmt(size, 0)} codes: file uploaded in ${fmt((performance.now() - t0) / 1000)} s`,
      );
      const parse = await runChild('parse', size, baseEnv);
      console.error(
        `[bench]   (a) parse alone   ${fmt(parse.seconds)} s, peak RSS ${fmt(parse.maxRssMb, 0)} MiB`,
      );
      const bulk = await withDatabase(`bulk_${size}`, (env) => runChild('bulk', size, env));
      console.error(
        `[bench]   (b) bulkWrite     ${fmt(bulk.seconds)} s, peak RSS ${fmt(bulk.maxRssMb, 0)} MiB`,
      );
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: keyFor(size) }));
      const event = s3Event(
        {
          eventName: 'ObjectCreated:Put',
          bucket: BUCKET,
          key: keyFor(size),
          size: head.ContentLength ?? 0,
          eTag: head.ETag ?? '',
          sourceIp: '127.0.0.1',
          time: new Date(),
        },
        { region: 'us-east-1', configurationId: 'bench' },
      );
      // Peak RSS depends on when V8 happens to collect garbage (±15 % between identical runs), so
      // (c) runs several times: the figures are the highest peak and the combined rate.
      const runs: Measured[] = [];
      for (let i = 1; i <= E2E_RUNS; i++) {
        const run = await withDatabase(`e2e_${size}_${i}`, (env) =>
          measure(['--input-type=module', '-e', IMPORT_DRIVER, bundle!.file, JSON.stringify(event)], env),
        );
        console.error(
          `[bench]   (c) end to end    ${fmt(run.seconds)} s, peak RSS ${fmt(run.maxRssMb, 0)} MiB, ${JSON.stringify(run.detail)}`,
        );
        if (run.codes !== size)
          throw new Error(`import run ${i} handled ${run.codes} codes instead of ${size}`);
        runs.push(run);
      }
      const importer: Measured = {
        codes: size * runs.length,
        seconds: runs.reduce((sum, run) => sum + run.seconds, 0),
        maxRssMb: Math.max(...runs.map((run) => run.maxRssMb)),
        detail: runs.map((run) => Math.round(run.maxRssMb)),
      };
      for (const [name, m] of [
        ['parse', parse],
        ['bulk', bulk],
      ] as const) {
        if (m.codes !== size) throw new Error(`${name} handled ${m.codes} codes instead of ${size}`);
      }
      results.push({ size, parse, bulk, importer });
    }
  } finally {
    await s3.stop();
  }
  const server = process.env.MONGODB_URI ? 'MONGODB_URI' : 'embedded MongoDB, a fresh server per run';

  const rate = (m: Measured) => m.codes / m.seconds;
  let pass = true;
  for (const { size, parse, bulk, importer } of results) {
    const floor = 0.85 * Math.min(rate(parse), rate(bulk));
    const ok = rate(importer) >= floor;
    pass &&= ok;
    printTable(`Import of ${fmt(size, 0)} codes (${server}, s3rver)`, [
      ['(a) csv-parse alone', `${fmt(rate(parse), 0)} codes/s  (${fmt(parse.seconds, 2)} s)`],
      ['(b) bulkWrite alone', `${fmt(rate(bulk), 0)} codes/s  (${fmt(bulk.seconds, 2)} s)`],
      [
        '(c) end to end',
        `${fmt(rate(importer), 0)} codes/s  (${fmt(importer.seconds / E2E_RUNS, 2)} s per run, ${E2E_RUNS} runs)`,
      ],
      [
        '(c) / min(a, b)',
        `${fmt(rate(importer) / Math.min(rate(parse), rate(bulk)), 3)}  (target ≥ 0.85: ${ok ? 'met' : 'MISSED'})`,
      ],
      [
        'peak RSS of (c)',
        `${fmt(importer.maxRssMb, 0)} MiB  (runs: ${(importer.detail as number[]).join(', ')} MiB)`,
      ],
    ]);
  }
  finishSizedBench(
    'Peak RSS of the importing process',
    results.map(({ size, importer }) => ({ size, maxRssMb: importer.maxRssMb })),
    began,
    pass,
  );
}

if (process.argv[2] === '--child') {
  const measured = await child(process.argv[3] as Mode, Number(process.argv[4]));
  console.log(JSON.stringify(measured));
} else {
  const sizes = process.argv.slice(2).map(Number);
  await parent(sizes.length > 0 ? sizes : [1_000_000, 5_000_000]);
}
