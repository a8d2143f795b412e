/**
 * Bundle sizes: bundles every function of functions/ with the shared esbuild options (the ones the
 * CDK stack deploys with) into a temporary directory and prints, per function, the minified size,
 * its gzip size (≈ the deployed zip), the size it would have with the AWS SDK bundled instead of
 * taken from the Lambda runtime, and whether the bundle loads under Node (ESM + CommonJS interop).
 * Fails when a bundle exceeds the 1.2 MB budget or does not load.
 *
 *   npx tsx test/bench/bundle-size.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { esbuildConfig } from '../../infra/bundling.ts';
import { functionEnv } from './support.ts';

// Decimal megabytes, like the budget (1.2 MB = 1 200 000 bytes).
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(3)} MB`;

// Enough configuration for every function's cold-start code to run; nothing is contacted.
const LOAD_ENV = functionEnv('mongodb://127.0.0.1:9/bench');

/** Imports the bundle in a fresh Node process and checks it exports a handler function. */
function loads(file: string): boolean {
  const probe = `import(${JSON.stringify(file)}).then((m) => process.exit(typeof m.handler === 'function' ? 0 : 2))`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    env: LOAD_ENV,
    encoding: 'utf8',
  });
  if (run.status !== 0) console.error(`${file} does not load:\n${run.stderr}`);
  return run.status === 0;
}

// Inside node_modules/.cache so the external `@aws-sdk/*` imports resolve to the installed SDK, as
// they resolve to the runtime's copy on Lambda.
const cacheDir = join(esbuildConfig.PROJECT_ROOT, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const outDir = mkdtempSync(join(cacheDir, 'bundle-size-'));
try {
  const shared = esbuildConfig.sharedBuildOptions;
  const bundles = await esbuildConfig.bundleFunctions({ outDir: join(outDir, 'deployed') });

  // The alternative we did not choose: our pinned AWS SDK inside every bundle.
  const withSdk = new Map<string, number>();
  for (const { name, entry } of bundles) {
    const file = join(outDir, 'with-sdk', name, 'index.mjs');
    const external = (shared.external ?? []).filter((pattern) => pattern !== '@aws-sdk/*');
    await build({ ...shared, external, entryPoints: [entry], outfile: file });
    withSdk.set(name, statSync(file).size);
  }

  const header = ['function', 'minified', 'gzip', 'map', 'SDK bundled', 'budget', 'loads'];
  const rows = bundles.map(({ name, file, bytes, mapBytes }) => {
    const ok = loads(file);
    const within = bytes <= esbuildConfig.BUNDLE_SIZE_TARGET_BYTES;
    return {
      ok: ok && within,
      cells: [
        name,
        mb(bytes),
        mb(gzipSync(readFileSync(file)).length),
        mb(mapBytes),
        mb(withSdk.get(name)!),
        within ? `ok (${((100 * bytes) / esbuildConfig.BUNDLE_SIZE_TARGET_BYTES).toFixed(0)}%)` : 'OVER',
        ok ? 'yes' : 'NO',
      ],
    };
  });
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row.cells[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(
    `\nBundle sizes (esbuild.config.mjs, target ${shared.target}, budget ${mb(esbuildConfig.BUNDLE_SIZE_TARGET_BYTES)} minified)`,
  );
  console.log(line(header));
  for (const row of rows) console.log(line(row.cells));
  const largest = Math.max(...bundles.map((bundle) => bundle.bytes));
  console.log(`largest ${mb(largest)}; ${bundles.length} functions`);

  if (rows.some((row) => !row.ok)) process.exitCode = 1;
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
