import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';

/** Shared pieces of the benchmark scripts: a MongoDB to run against, measurements in child processes, and figures. */
export interface BenchMongo {
  uri: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** MONGODB_URI when set (a real server), else a fresh embedded server. */
export async function benchMongo(): Promise<BenchMongo> {
  if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI, embedded: false, stop: async () => {} };
  const { startEmbeddedMongo } = await import('../../infra/local/mongo/index.ts');
  const server = await startEmbeddedMongo();
  return { uri: server.uri, embedded: true, stop: () => server.stop() };
}

/** The q-quantile (0..1) of a list of numbers. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const fmt = (n: number, digits = 1): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

/** Prints rows as an aligned two-column table. */
export function printTable(title: string, rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

/**
 * The environment a function bundle needs to load and run in a child process: its configuration,
 * with `mongoUri` the only server it may contact (nothing of AWS is).
 */
export const functionEnv = (mongoUri: string): NodeJS.ProcessEnv => ({
  ...process.env,
  MONGODB_URI: mongoUri,
  JWT_ISSUER: 'https://issuer.invalid/',
  JWT_AUDIENCE: 'code-service',
  JWKS_URI: 'https://issuer.invalid/jwks.json',
  BUCKET_NAME: 'bench-bucket',
  IMPORT_FUNCTION_NAME: 'bench-importer',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
});

/** One measurement, as a child process reports it on its last line of output. */
export interface Measured {
  codes: number;
  seconds: number;
  maxRssMb: number;
  detail?: unknown;
}

/** The process's peak resident set size (getrusage maxRSS), in MiB. */
export const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

/** Runs a measurement in its own process; its last line of output is the Measured JSON. */
export function measure(args: string[], env: Record<string, string>): Promise<Measured> {
  return new Promise((resolve, reject) => {
    // --no-warnings: the AWS SDK warns about Node.js 20's end of support on every start.
    const proc = spawn(process.execPath, ['--no-warnings', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      const lines = out.trim().split('\n');
      const line = lines.pop() ?? '';
      if (process.env.BENCH_LOG_LEVEL) console.error(lines.join('\n'));
      if (code !== 0) reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as Measured);
    });
  });
}

export interface BenchDatabase {
  uri: string;
  db: string;
  /**
   * CPU seconds the embedded server's process has used so far (user + system, all its threads,
   * from /proc); undefined on MONGODB_URI or where /proc is missing. The difference across a
   * measurement tells whether it was the server or the client that set the pace.
   */
  serverCpuSeconds(): number | undefined;
  /** Drops the database (MONGODB_URI) or stops the server (embedded). */
  release(): Promise<void>;
}

/**
 * A database for one measurement. Embedded: a fresh server in its own process, so (b) and (c)
 * each start from an empty server and neither pays for the other's garbage (millions of dropped
 * documents) nor shares a CPU core with s3rver. MONGODB_URI: a fresh database on that server.
 */
export async function freshDatabase(name: string): Promise<BenchDatabase> {
  const external = process.env.MONGODB_URI;
  if (external) {
    return {
      uri: external,
      db: name,
      serverCpuSeconds: () => undefined,
      release: async () => {
        const client = await new MongoClient(external).connect();
        await client.db(name).dropDatabase();
        await client.close();
      },
    };
  }
  const cli = fileURLToPath(new URL('../../infra/local/mongo/cli.ts', import.meta.url));
  // The embedded server holds the whole pool in its heap: 5 000 000 codes and their indexes need
  // more than V8's default limit (~4 GiB).
  const heap = `--max-old-space-size=${process.env.BENCH_MONGO_HEAP_MB ?? 12_288}`;
  const server = spawn(process.execPath, ['--no-warnings', heap, '--import', 'tsx', cli, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const uri = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (mongodb:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    server.on('exit', (code) => reject(new Error(`embedded MongoDB exited with ${code}: ${out}`)));
  });
  const exited = new Promise((resolve) => server.on('exit', resolve));
  return {
    uri,
    db: name,
    serverCpuSeconds: () => processCpuSeconds(server.pid),
    release: async () => {
      server.kill('SIGTERM');
      await exited;
    },
  };
}

/** utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 1/100 s). */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * The streaming benchmarks' memory target (import, export): the peak RSS of the working process
 * at the largest size at most 1.15 × the smallest's and at most 256 MiB. Prints the comparison;
 * true when met.
 */
export function reportRssGrowth(
  title: string,
  first: { size: number; maxRssMb: number },
  last: { size: number; maxRssMb: number },
): boolean {
  const growth = last.maxRssMb / first.maxRssMb;
  const ok = growth <= 1.15 && last.maxRssMb <= 256;
  printTable(title, [
    [`at ${fmt(first.size, 0)}`, `${fmt(first.maxRssMb, 0)} MiB`],
    [`at ${fmt(last.size, 0)}`, `${fmt(last.maxRssMb, 0)} MiB`],
    ['ratio', `${fmt(growth, 3)}  (target ≤ 1.15 and ≤ 256 MiB: ${ok ? 'met' : 'MISSED'})`],
  ]);
  return ok;
}

/**
 * The environment of a benchmark that runs a function's handler in its own process: the given
 * database, and Powertools quiet (errors only, no metrics output, no tracing).
 */
export function useFunctionsInProcess(mongoUri: string, database: string): void {
  Object.assign(process.env, {
    MONGODB_URI: mongoUri,
    MONGODB_DB: database,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
}

/**
 * The end of a benchmark over several sizes: the peak-RSS growth from the first size to the last
 * (printed whatever came before), the total time, and a failing exit code when a target was missed.
 */
export function finishSizedBench(
  rssLabel: string,
  sized: ReadonlyArray<{ size: number; maxRssMb: number }>,
  began: number,
  targetsMet: boolean,
): void {
  const first = sized[0];
  const last = sized[sized.length - 1];
  const rssOk = first && last && last !== first ? reportRssGrowth(rssLabel, first, last) : true;
  console.log(`\nTotal benchmark time: ${fmt((performance.now() - began) / 1000, 0)} s`);
  if (!targetsMet || !rssOk) process.exitCode = 1;
}

/**
 * A driver script (plain JavaScript, `node --input-type=module -e`) that runs a function as deployed
 * — its esbuild bundle, argv[1] — with no TypeScript loader in the process whose memory is measured:
 * it calls the handler with the JSON event of argv[2] and a Lambda context of 15 minutes, then runs
 * `report`, which finds `result`, `seconds` and `args` (the rest of argv) and prints the Measured
 * line. The process then exits: the cached MongoDB client would keep a warm container alive.
 */
export const handlerDriver = (functionName: string, report: string): string => `
const [bundle, eventJson, ...args] = process.argv.slice(1);
const { handler } = await import(bundle);
const deadline = Date.now() + 15 * 60_000;
const context = {
  functionName: '${functionName}', functionVersion: '$LATEST', memoryLimitInMB: '1024',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:${functionName}',
  awsRequestId: crypto.randomUUID(), logGroupName: '/aws/lambda/${functionName}', logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => deadline - Date.now(),
  done() {}, fail() {}, succeed() {},
};
const started = performance.now();
const result = await handler(JSON.parse(eventJson), context);
const seconds = (performance.now() - started) / 1000;
${report}
process.exit(0);
`;
