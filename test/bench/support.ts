/** Shared pieces of the benchmark scripts: a MongoDB to run against, and figures. */
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
