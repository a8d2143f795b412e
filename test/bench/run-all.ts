/**
 * `npm run bench`: runs every benchmark script in test/bench one after another, each in its own
 * process (so memory figures are not mixed), and fails if any fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

/**
 * Extra Node options per script. pool-sweep: 10 million codes (500 pools × 20 000) in the embedded
 * server, which lives in the benchmark's process, need more than V8's default 4 GB heap.
 */
const NODE_OPTIONS: Record<string, string[]> = {
  'pool-sweep.bench.ts': ['--max-old-space-size=12288'],
};

let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${script} ===`);
  const run = spawnSync(
    process.execPath,
    [...(NODE_OPTIONS[script] ?? []), '--import', 'tsx', `${dir}${script}`],
    {
      stdio: 'inherit',
    },
  );
  if (run.status !== 0) {
    failed++;
    console.error(`${script} failed (exit ${run.status ?? run.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
