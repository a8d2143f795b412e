import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardAnswer } from '../../../infra/local/metrics/dashboard-endpoint.ts';
import { importIdOf } from '../../../lib/import/model.ts';
import { apiOf, eventually, freePort, s3ClientFor } from '../../support/local-stack.ts';

// `npm start` itself, as a developer runs it: `npm start` in its own process group (a terminal's
// Ctrl-C signals the whole group: npm and the stack alike), on free ports, against this file's
// MongoDB database (so the data outlives a restart), with its state (signing key, S3 objects) in a
// temporary folder. Logs are one JSON object per line (POWERTOOLS_DEV=false) so they can be read.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const BUCKET = 'code-service-local';
/** Small batches, so a file of TOTAL codes is many batches and Ctrl-C lands mid-import. */
const BATCH = 10_000;
const TOTAL = 150_000;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  apiUrl: string;
  s3Endpoint: string;
  token: string;
  /** Ctrl-C: SIGINT to npm's whole process group, as a terminal sends it. */
  interrupt(): void;
}

let stateDir: string;
const running = new Set<ChildProcess>();

async function npmStart(): Promise<Started> {
  const [port, s3Port] = [await freePort(), await freePort()];
  const child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      S3_PORT: String(s3Port),
      LOCAL_STATE_DIR: stateDir,
      IMPORT_BATCH_SIZE: String(BATCH),
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_DEV: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = once(child, 'exit').then(([code]) => {
    running.delete(child);
    return code as number | null;
  });
  await new Promise<void>((resolve, reject) => {
    const check = () => output.includes('Ctrl-C stops everything.') && resolve();
    child.stdout!.on('data', check);
    exited.then((code) => reject(new Error(`npm start exited early (${code}):\n${output}`)));
  });
  const token = /export TOKEN=(\S+)/.exec(output)?.[1];
  expect(output).toContain(`API       http://127.0.0.1:${port}`);
  expect(output).toContain(`S3        http://127.0.0.1:${s3Port}   bucket ${BUCKET}`);
  expect(token?.split('.')).toHaveLength(3);
  return {
    child,
    output: () => output,
    exited,
    apiUrl: `http://127.0.0.1:${port}`,
    s3Endpoint: `http://127.0.0.1:${s3Port}`,
    token: token!,
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
  };
}

/** The exit code, or a failure if npm start has not exited within 10 s of Ctrl-C (contract §7). */
async function exitAfterCtrlC(started: Started): Promise<number | null> {
  started.interrupt();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`npm start still running 10 s after Ctrl-C:\n${started.output().slice(-3000)}`)),
      10_000,
    );
  });
  try {
    return await Promise.race([started.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The output's JSON log lines (the functions' logs); the stack's own lines are plain text. */
const logLines = (output: string): Record<string, unknown>[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'npm-start-'));
});
afterAll(async () => {
  for (const child of running) process.kill(-child.pid!, 'SIGKILL');
  await rm(stateDir, { recursive: true, force: true });
});

interface ImportRecord {
  status: string;
  attempts: number;
  count: { in: number; inserted: number; updated: number };
  progress: { rows: number; batches: number };
  error?: { retryable: boolean; message: string };
}

describe('npm start', () => {
  const campaign = 'ctrl-c';
  const fileKey = `codes/${campaign}/tm/big.csv`;
  let importId: string;

  it('serves the API; Ctrl-C mid-import stops it at a batch boundary and exits 0 within 10 s', async () => {
    const started = await npmStart();
    const api = apiOf({ apiUrl: started.apiUrl, supremeToken: started.token });
    expect((await api('/heartbeat', { token: null })).status).toBe(200);
    expect((await api(`/v1/${campaign}/codes/count?type=tm`)).body).toEqual({
      available: 0,
      reserved: 0,
      assigned: 0,
    });

    const s3 = s3ClientFor(started);
    const csv = `code\n${Array.from({ length: TOTAL }, (_, i) => `CC-${String(i).padStart(7, '0')}`).join('\n')}\n`;
    const { VersionId } = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: fileKey, Body: csv }));
    s3.destroy();
    importId = importIdOf({ bucket: BUCKET, key: fileKey, versionId: VersionId! });
    await eventually(
      () => api<ImportRecord>(`/v1/${campaign}/imports/${importId}`),
      (reply) => reply.status === 200 && reply.body.progress.batches >= 2,
      'two committed batches',
      120_000,
    );

    expect(await exitAfterCtrlC(started)).toBe(0);
    const output = started.output();
    expect(output).toContain('Import stopped between batches');
    expect(output).toContain('Stopped.');
    // Quiet: no colour codes on a pipe, no Node or SDK warnings.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for the escape character itself.
    expect(output).not.toMatch(/\x1b\[/);
    expect(output).not.toMatch(/\(node:\d+\) |NodeVersion|Warning:/);
  });

  it('resumes the interrupted import at once on route 1, with exact counts; concurrent requests log as their own function', async () => {
    const started = await npmStart();
    const api = apiOf({ apiUrl: started.apiUrl, supremeToken: started.token });
    const before = await api<ImportRecord>(`/v1/${campaign}/imports/${importId}`);
    // Left resumable at once: failed for a retryable reason, not `running` under a lease.
    expect(before.body).toMatchObject({ status: 'failed', attempts: 1, error: { retryable: true } });
    expect(before.body.progress.rows).toBeLessThan(TOTAL);
    expect(before.body.count.in).toBe(before.body.progress.batches * BATCH);

    const upload = await api<ImportRecord>(`/v1/${campaign}/codes`, { method: 'POST', body: { fileKey } });
    expect([200, 202]).toContain(upload.status);
    // Taken over by this delivery (a record left `running` would answer "busy" for the whole lease).
    const resumed = await api<ImportRecord>(`/v1/${campaign}/imports/${importId}`);
    expect(resumed.body.attempts).toBe(2);
    const done = await eventually(
      () => api<ImportRecord>(`/v1/${campaign}/imports/${importId}`),
      (reply) => reply.body.status === 'succeeded',
      'the resumed import',
      120_000,
    );
    expect(done.body.count).toMatchObject({ in: TOTAL, inserted: TOTAL, updated: 0 });
    expect((await api(`/v1/${campaign}/codes/count?type=tm`)).body).toEqual({
      available: TOTAL,
      reserved: 0,
      assigned: 0,
    });

    // 8 concurrent requests of four functions, each with its own correlation id: every log line
    // carrying an id is written by the function that request went to.
    const requests = Array.from({ length: 8 }, (_, i) => {
      const correlationId = `mixed-${i}-${importId.slice(0, 8)}`;
      const headers = { 'x-correlation-id': correlationId };
      const kinds = [
        {
          fn: 'code-service-reserve',
          call: () => api(`/v1/${campaign}/reserve?count=2&type=tm`, { headers }),
        },
        { fn: 'code-service-count', call: () => api(`/v1/${campaign}/codes/count?type=nope`, { headers }) },
        {
          fn: 'code-service-assign',
          call: () => api(`/v1/${campaign}/assign`, { method: 'POST', body: { codes: 'x' }, headers }),
        },
        {
          fn: 'code-service-release',
          call: () => api(`/v1/${campaign}/release`, { method: 'POST', body: {}, headers }),
        },
      ];
      return { correlationId, ...kinds[i % kinds.length]! };
    });
    const replies = await Promise.all(requests.map((request) => request.call()));
    replies.forEach((reply, i) => {
      expect(reply.headers.get('x-correlation-id')).toBe(requests[i]!.correlationId);
    });
    const expected = new Map(requests.map((request) => [request.correlationId, request.fn]));
    const seen = await eventually(
      async () => logLines(started.output()).filter((line) => expected.has(String(line.correlation_id))),
      (lines) => new Set(lines.map((line) => line.correlation_id)).size === expected.size,
      'a log line of every request',
      30_000,
    );
    for (const line of seen) {
      expect({ id: line.correlation_id, fn: line.function_name }).toEqual({
        id: line.correlation_id,
        fn: expected.get(String(line.correlation_id)),
      });
    }

    // The functions' metrics (EMF lines) are counted for the local dashboard, never printed.
    expect(started.output()).not.toContain('"_aws"');
    const dashboard = await api<DashboardAnswer>('/dev/dashboard?minutes=10', { token: null });
    const reserved = dashboard.body.sections
      .flatMap((section) => section.widgets)
      .find((widget) => widget.id === 'reservations')
      ?.series?.find((series) => series.label === 'CodesReserved');
    expect(reserved?.points.reduce((sum, [, value]) => sum + (value ?? 0), 0)).toBe(4);

    expect(await exitAfterCtrlC(started)).toBe(0);
  });
});
