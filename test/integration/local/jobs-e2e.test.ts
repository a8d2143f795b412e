import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { eventually, useTestStack } from '../../support/local-stack.ts';
import { parseExport, tally } from '../jobs/support.ts';

// Issue 12's "done when", through the whole local stack over real HTTP (as `npm start` serves it):
// the start routes hand exports and purges to their functions through the local Lambda Invoke
// endpoint, and the pre-signed URL downloads the file from the local S3 like curl would.
// 1 200 codes stand in for the 120 000.
const campaign = 'jobs-e2e';
const CODES = 1200;
const codes = Array.from({ length: CODES }, (_, i) => `JOB-${String(i).padStart(6, '0')}`);

const local = useTestStack();
const { api } = local;

const counts = async () => (await api<Record<string, number>>(`/v1/${campaign}/codes/count?type=tm`)).body;

/** Starts a job (route 12 or 14), follows its Location until it has finished, returns the record. */
async function runJob(path: string, body: unknown) {
  const started = await api<{ status: string }>(path, { method: 'POST', body });
  expect(started.status).toBe(202);
  expect(started.body.status).toBe('running');
  const location = started.headers.get('location')!;
  expect(location).toMatch(new RegExp(`^/v1/${campaign}/(exports|purges)/[0-9a-f]{32}$`));
  const record = await eventually(
    () => api<{ status: string; url?: string; rows?: number; count?: { deleted: number } }>(location),
    (reply) => reply.body.status !== 'running',
    `the job at ${location}`,
  );
  expect(record.status).toBe(200);
  expect(record.body.status).toBe('succeeded');
  return record.body;
}

describe('exports and purges through npm start', () => {
  it('imports a pool, reserves 100 codes and assigns 10 of them', async () => {
    await local.s3.send(
      new PutObjectCommand({
        Bucket: local.stack.bucket,
        Key: `codes/${campaign}/tm/pool.csv`,
        Body: `code\n${codes.join('\n')}\n`,
      }),
    );
    await eventually(counts, (c) => c.available === CODES, 'the import');
    const reserved = await api<string[]>(`/v1/${campaign}/reserve?count=100&type=tm`);
    expect(reserved.body).toHaveLength(100);
    const assigned = await api(`/v1/${campaign}/assign`, {
      method: 'POST',
      body: { codes: reserved.body.slice(0, 10) },
    });
    expect(assigned.body).toEqual({ count: { in: 10, updated: 10 } });
    expect(await counts()).toEqual({ available: 1100, reserved: 90, assigned: 10 });
  });

  it('exports the whole pool: the pre-signed URL downloads every code once', async () => {
    const record = await runJob(`/v1/${campaign}/exports`, { type: 'tm' });
    expect(record.rows).toBe(CODES);
    expect(new URL(record.url!).origin).toBe(new URL(local.stack.s3Endpoint).origin);
    const download = await fetch(record.url!); // what `curl "$url"` does
    expect(download.status).toBe(200);
    const rows = parseExport(await download.text());
    expect(rows).toHaveLength(CODES);
    expect(new Set(rows.map((row) => row.code))).toEqual(new Set(codes));
    expect(tally(rows, 'status')).toEqual({ available: 1100, reserved: 90, assigned: 10 });
  });

  it('exports only the available codes when asked', async () => {
    const record = await runJob(`/v1/${campaign}/exports`, { type: 'tm', status: 'available' });
    expect(record.rows).toBe(1100);
    const rows = parseExport(await (await fetch(record.url!)).text());
    expect(rows).toHaveLength(1100);
    expect(tally(rows, 'status')).toEqual({ available: 1100 });
  });

  it('purges the available codes, and refuses assigned ones without includeAssigned', async () => {
    const record = await runJob(`/v1/${campaign}/purges`, { type: 'tm', statuses: ['available'] });
    expect(record.count).toEqual({ deleted: 1100 });
    expect(await counts()).toEqual({ available: 0, reserved: 90, assigned: 10 });

    const refused = await api<{ code: string }>(`/v1/${campaign}/purges`, {
      method: 'POST',
      body: { type: 'tm', statuses: ['reserved', 'assigned'] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalidStatuses');
    expect(await counts()).toEqual({ available: 0, reserved: 90, assigned: 10 });
  });
});
