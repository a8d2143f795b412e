/**
 * `npm start` itself: time to healthy, and the memory of the stack's process — the gateway, the
 * local S3, the invoke endpoint and every function container (worker threads) — idle, with each
 * function's container warm, and after a 1 000 000-code import.
 *
 *   npx tsx test/bench/local-stack.bench.ts            1 000 000 codes
 *   npx tsx test/bench/local-stack.bench.ts 200000     another size
 *
 * How it is measured:
 * - Time to healthy: from spawning `npm start` to the first `GET /heartbeat` answering 200 (polled
 *   every 50 ms). The functions' bundles are built beforehand (as after a first start), so this is
 *   a warm start, not the one-off build.
 * - RSS: VmRSS of the stack's Node process (/proc/<pid>/status; npm execs it). The database runs in
 *   this bench's own process (MONGODB_URI), so its documents are not in the figure.
 * - A function's container: worker threads share their process's RSS, so a container's share is
 *   the growth of the process's RSS when its first (cold) invocation starts it, one function after
 *   another. The importer's growth during the import is the RSS after it minus before it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { buildFunctionBundles } from '../../infra/local/stack.ts';
import { importIdOf } from '../../lib/import/model.ts';
import { apiOf, eventually, freePort, s3ClientFor } from '../support/local-stack.ts';
import { benchMongo, fmt, printTable } from './support.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = fileURLToPath(new URL('../../', import.meta.url));
const SIZE = Number(process.argv[2] ?? 1_000_000);
const BUCKET = 'code-service-local';
const CAMPAIGN = 'rss-bench';

const rssMiB = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
};

/** The fixed-width codes of a SIZE-code CSV, streamed (the file never sits in memory whole). */
const csvStream = (size: number) =>
  Readable.from(
    (function* () {
      yield 'code\n';
      for (let i = 0; i < size; i += 10_000) {
        let chunk = '';
        for (let j = i; j < Math.min(size, i + 10_000); j++) chunk += `RSS-${String(j).padStart(9, '0')}\n`;
        yield chunk;
      }
    })(),
  );

async function main(): Promise<void> {
  await buildFunctionBundles();
  const mongo = await benchMongo();
  const stateDir = await mkdtemp(join(tmpdir(), 'local-stack-bench-'));
  const [port, s3Port] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${port}`;
  const began = performance.now();
  const child: ChildProcess = spawn('npm', ['start'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      S3_PORT: String(s3Port),
      LOCAL_STATE_DIR: stateDir,
      MONGODB_URI: mongo.uri,
      MONGODB_DB: 'local-stack-bench',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  try {
    await eventually(
      () =>
        fetch(`${apiUrl}/heartbeat`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
      'npm start to answer the heartbeat',
      120_000,
    );
    const healthyMs = performance.now() - began;
    const childPids = (await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')).trim();
    const pid = Number(childPids.split(/\s+/)[0] ?? child.pid);
    const token = /export TOKEN=(\S+)/.exec(output)?.[1];
    if (!token) throw new Error(`no token in the banner:\n${output}`);
    const api = apiOf({ apiUrl, supremeToken: token });

    // The heartbeat started the heartbeat function's container already; measure from there.
    const rows: Array<[string, string]> = [['npm start → healthy', `${fmt(healthyMs / 1000, 2)} s`]];
    let rss = await rssMiB(pid);
    rows.push(['RSS, idle (heartbeat container warm)', `${fmt(rss)} MiB`]);
    const warmUp: Array<[string, () => Promise<unknown>]> = [
      ['authorizer + count', () => api(`/v1/${CAMPAIGN}/codes/count?type=tm`)],
      ['reserve', () => api(`/v1/${CAMPAIGN}/reserve?count=1&type=tm`)],
      ['assign', () => api(`/v1/${CAMPAIGN}/assign`, { method: 'POST', body: { codes: ['NONE'] } })],
      ['release', () => api(`/v1/${CAMPAIGN}/release`, { method: 'POST', body: { codes: ['NONE'] } })],
      ['list-codes', () => api(`/v1/${CAMPAIGN}/codes`)],
      ['list-imports', () => api(`/v1/${CAMPAIGN}/imports`)],
    ];
    for (const [name, call] of warmUp) {
      await call();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = await rssMiB(pid);
      rows.push([`  + ${name} container`, `+${fmt(now - rss)} MiB`]);
      rss = now;
    }
    rows.push(['RSS, idle, those containers warm', `${fmt(rss)} MiB`]);

    const s3 = s3ClientFor({ s3Endpoint: `http://127.0.0.1:${s3Port}` });
    const key = `codes/${CAMPAIGN}/tm/codes-${SIZE}.csv`;
    const length = 'code\n'.length + SIZE * 14;
    const put = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: csvStream(SIZE), ContentLength: length }),
    );
    s3.destroy();
    const importId = importIdOf({ bucket: BUCKET, key, versionId: put.VersionId! });
    const importBegan = performance.now();
    let peak = rss;
    const done = await eventually(
      async () => {
        peak = Math.max(peak, await rssMiB(pid));
        return api<{ status: string; count: { in: number } }>(`/v1/${CAMPAIGN}/imports/${importId}`);
      },
      (reply) => reply.status === 200 && reply.body.status !== 'running',
      'the import',
      30 * 60_000,
    );
    if (done.body.status !== 'succeeded' || done.body.count.in !== SIZE)
      throw new Error(`import ended ${JSON.stringify(done.body)}`);
    const after = await rssMiB(pid);
    rows.push([`import of ${fmt(SIZE, 0)} codes`, `${fmt((performance.now() - importBegan) / 1000, 1)} s`]);
    rows.push(['RSS, peak during the import (sampled ~10/s)', `${fmt(peak)} MiB`]);
    rows.push([
      'RSS, idle after the import',
      `${fmt(after)} MiB (importer container +${fmt(after - rss)} MiB)`,
    ]);
    printTable(
      `npm start (database in another process: ${mongo.embedded ? 'embedded' : 'MONGODB_URI'})`,
      rows,
    );
  } finally {
    child.kill('SIGINT');
    await once(child, 'exit');
    await mongo.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

await main();
