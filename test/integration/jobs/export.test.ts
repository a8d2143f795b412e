import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { startLambdaInvokeServer } from '../../../infra/local/lambda/invoke-server.ts';
import { exportsStore } from '../../../lib/export/model.ts';
import { EXPORT_TUNING } from '../../../lib/export/tuning.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import type { ApiRequest } from '../../support/api-events.ts';
import { codeList, HOUR, seedCodes } from '../../support/codes.ts';
import { invoke } from '../../support/invoke.ts';
import { lambdaContext } from '../../support/lambda-context.ts';
import { s3Environment, startS3rver } from '../../support/s3rver.ts';
import { startTcpProxy } from '../../support/tcp-proxy.ts';
import { parseExport, tally } from './support.ts';

// Routes 12 and 13 through the real handlers: the start route hands the export to the real export
// function with an asynchronous Lambda Invoke (the local invoke endpoint), which writes to s3rver —
// reached through a TCP proxy, so one test can make S3 unreachable in the middle of an export.
const s3 = await startS3rver({ bucket: 'export-test' });
const s3Proxy = await startTcpProxy(new URL(s3.endpoint).host);
Object.assign(process.env, s3Environment(s3), {
  AWS_ENDPOINT_URL_S3: `http://${s3Proxy.address}`,
  EXPORT_FUNCTION_NAME: 'exportCodes',
  EXPORT_PROGRESS_ROWS: '100',
});
const { handler: exportCodes } = await import('../../../functions/export-codes.ts');
const invocationErrors: unknown[] = [];
/** What each delivery through the invoke endpoint returned. */
const deliveries: unknown[] = [];
const lambda = await startLambdaInvokeServer({
  functions: {
    exportCodes: async (event, context) => {
      const outcome = await exportCodes(event, context);
      deliveries.push(outcome);
      return outcome;
    },
  },
  onError: (_, error) => invocationErrors.push(error),
  retryDelaysMs: [],
});
process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint;
const { handler: startExport } = await import('../../../functions/start-export.ts');
const { handler: getExport } = await import('../../../functions/get-export.ts');

afterAll(async () => {
  await lambda.idle();
  await lambda.stop();
  await closeMongoClient();
  await s3Proxy.stop();
  await s3.stop();
});

interface ExportBody {
  exportId: string;
  campaignId: string;
  filter: { type: string; status?: string };
  status: string;
  key: string;
  progress: { rows: number };
  rows?: number;
  size?: number;
  url?: string;
  urlExpiresAt?: string;
  attempts: number;
  error?: { reason: string; message: string; retryable: boolean };
  code?: string;
  message?: string;
}

const post = (campaignId: string, body: unknown, extra: Partial<ApiRequest> = {}) =>
  invoke<ExportBody>(startExport, {
    method: 'POST',
    route: '/v1/{campaignId}/exports',
    pathParameters: { campaignId },
    body,
    ...extra,
  });
const get = (campaignId: string, exportId: string, extra: Partial<ApiRequest> = {}) =>
  invoke<ExportBody>(getExport, {
    method: 'GET',
    route: '/v1/{campaignId}/exports/{exportId}',
    pathParameters: { campaignId, exportId },
    ...extra,
  });

/** Starts an export, lets the export function finish, and reads the record. */
async function exportOf(campaignId: string, body: unknown): Promise<ExportBody> {
  const started = await post(campaignId, body);
  expect(started.status).toBe(202);
  expect(started.body).toEqual({ exportId: expect.stringMatching(/^[0-9a-f]{32}$/), status: 'running' });
  expect(started.headers.location).toBe(`/v1/${campaignId}/exports/${started.body.exportId}`);
  await lambda.idle();
  const record = await get(campaignId, started.body.exportId);
  expect(record.status).toBe(200);
  return record.body;
}

/** Polls until the condition holds (10 s at most). */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 20) {
    if (waited > 10_000) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const download = async (url: string) => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.text();
};

// The pool: 40 never reserved, 2 whose reservation expired, 5 reserved, 3 assigned — and codes of
// another type and of a campaign whose id starts with this one's, which must not be exported.
const campaign = 'exp-1';
const now = Date.now();
await seedCodes(campaign, 'tm', codeList('A', 40));
await seedCodes(campaign, 'tm', ['EXPIRED-1', 'EXPIRED-2'], {
  reserved: new Date(now - 25 * HOUR),
  reserveId: 'old',
});
await seedCodes(campaign, 'tm', codeList('R', 5), { reserved: new Date(now - HOUR), reserveId: 'res-1' });
await seedCodes(campaign, 'tm', codeList('S', 3), { assigned: new Date(now - 2 * HOUR) });
await seedCodes(campaign, 'tm', ['with,comma', 'with "quote"']);
await seedCodes(campaign, 'external', codeList('X', 7));
await seedCodes(`${campaign}0`, 'tm', codeList('O', 4));
await seedCodes('exp', 'tm', codeList('P', 4));

describe('POST /v1/{campaignId}/exports and GET …/exports/{exportId}', () => {
  it('exports the whole pool, once each code, to a file the pre-signed URL downloads', async () => {
    const record = await exportOf(campaign, { type: 'tm' });
    expect(record).toMatchObject({
      campaignId: campaign,
      filter: { type: 'tm' },
      status: 'succeeded',
      key: `exports/${campaign}/${record.exportId}.csv`,
      rows: 52,
      progress: { rows: 52 },
      attempts: 1,
    });
    expect(record.url).toMatch(/X-Amz-Signature=/);
    expect(record.url).toMatch(/X-Amz-Expires=900/);
    const expiresIn = Date.parse(record.urlExpiresAt!) - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);

    const text = await download(record.url!);
    expect(Buffer.byteLength(text)).toBe(record.size);
    const rows = parseExport(text);
    expect(rows).toHaveLength(52);
    expect(new Set(rows.map((row) => row.code)).size).toBe(52);
    expect(tally(rows, 'status')).toEqual({ available: 44, reserved: 5, assigned: 3 });
    expect(tally(rows, 'type')).toEqual({ tm: 52 });
    // The stored fields, and ISO dates.
    expect(rows.find((row) => row.code === 'R000000')).toMatchObject({
      status: 'reserved',
      reserveId: 'res-1',
      reserved: new Date(now - HOUR).toISOString(),
      assigned: '',
    });
    expect(rows.find((row) => row.code === 'EXPIRED-1')).toMatchObject({
      status: 'available',
      reserveId: 'old',
    });
    expect(rows.find((row) => row.code === 'S000002')?.assigned).toBe(new Date(now - 2 * HOUR).toISOString());
    expect(rows.find((row) => row.code === 'A000000')?.saved).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    );
    // RFC 4180 quoting.
    expect(text).toContain('\r\n"with,comma",tm,available,');
    expect(text).toContain('\r\n"with ""quote""",tm,available,');
    expect(rows.map((row) => row.code)).toEqual(expect.arrayContaining(['with,comma', 'with "quote"']));

    // A fresh URL on each read.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await get(campaign, record.exportId);
    expect(again.body.url).not.toBe(record.url);
    expect(await download(again.body.url!)).toBe(text);
    expect(invocationErrors).toEqual([]);
  });

  it.each([
    ['available', 44],
    ['reserved', 5],
    ['assigned', 3],
  ])('exports only the %s codes when asked', async (status, count) => {
    const record = await exportOf(campaign, { type: 'tm', status });
    expect(record).toMatchObject({ status: 'succeeded', filter: { type: 'tm', status }, rows: count });
    const rows = parseExport(await download(record.url!));
    expect(rows).toHaveLength(count);
    expect(tally(rows, 'status')).toEqual({ [status]: count });
  });

  it('exports a pool of several cursor batches, each code once, in code order', async () => {
    const codes = codeList('B', 2 * EXPORT_TUNING.cursorBatch + 1);
    await seedCodes('exp-batches', 'tm', codes);
    const record = await exportOf('exp-batches', { type: 'tm' });
    expect(record).toMatchObject({
      status: 'succeeded',
      rows: codes.length,
      progress: { rows: codes.length },
    });
    const rows = parseExport(await download(record.url!));
    expect(rows.map((row) => row.code)).toEqual(codes);
  });

  it('writes a header-only file for an empty pool', async () => {
    const record = await exportOf('exp-empty', { type: 'external' });
    expect(record).toMatchObject({ status: 'succeeded', rows: 0 });
    expect(await download(record.url!)).toBe('code,type,status,reserveId,saved,reserved,assigned\r\n');
  });

  it('checks the supreme claim before anything else', async () => {
    const reply = await post(campaign, { type: 'nope' }, { auth: { sub: 'someone', isSupreme: false } });
    expect(reply.status).toBe(401);
    expect(reply.body.code).toBe('supremeUserRequired');
  });

  it.each([
    ['no type', {}, 'missingType'],
    ['an unknown type', { type: 'vip' }, 'invalidType'],
    ['a type that is not a string', { type: 1 }, 'invalidType'],
    ['an unknown status', { type: 'tm', status: 'sold' }, 'invalidStatus'],
    ['a null status', { type: 'tm', status: null }, 'invalidStatus'],
  ])('answers 400 for %s', async (_, body, code) => {
    const reply = await post(campaign, body);
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe(code);
  });

  it('rejects malformed JSON with a 4xx', async () => {
    const reply = await post(campaign, undefined, { rawBody: '{"type": ' });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('invalidJson');
  });

  it('knows only the campaign own exports', async () => {
    const record = await exportOf(campaign, { type: 'external' });
    expect((await get(campaign, record.exportId, { auth: { isSupreme: false } })).status).toBe(401);
    for (const [campaignId, exportId] of [
      ['other-campaign', record.exportId],
      [campaign, '0123456789abcdef0123456789abcdef'],
      [campaign, 'not-an-id'],
    ] as const) {
      const reply = await get(campaignId, exportId);
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ code: 'exportNotFound', message: 'No such export in this campaign' });
    }
  });

  it('marks the export failed when S3 fails, and a retry starts it over and succeeds', async () => {
    s3Proxy.cut();
    const started = await post(campaign, { type: 'tm' });
    expect(started.status).toBe(202);
    await lambda.idle();
    const failed = await get(campaign, started.body.exportId);
    expect(failed.body).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { reason: 'internal', retryable: true },
    });
    expect(failed.body.error!.message).toMatch(/a retry starts the export over$/);
    expect(failed.body.url).toBeUndefined();
    expect(invocationErrors).toHaveLength(1);

    // Lambda's retry: the same invocation again.
    s3Proxy.restore();
    const retried = await exportCodes(
      { kind: 'codeExport', jobId: started.body.exportId },
      lambdaContext('exportCodes'),
    );
    expect(retried).toMatchObject({ outcome: 'exported', rows: 52 });
    const record = await get(campaign, started.body.exportId);
    expect(record.body).toMatchObject({ status: 'succeeded', attempts: 2, rows: 52 });
    expect(record.body.error).toBeUndefined();
    expect(parseExport(await download(record.body.url!))).toHaveLength(52);

    // A redelivery of a finished export does nothing.
    const repeat = await exportCodes(
      { kind: 'codeExport', jobId: started.body.exportId },
      lambdaContext('exportCodes'),
    );
    expect(repeat).toEqual({ exportId: started.body.exportId, outcome: 'alreadyFinished' });
  });

  it('stops a delivery that lost its lease mid-run: the one that took over writes the file', async () => {
    const codes = codeList('L', 2 * EXPORT_TUNING.cursorBatch + 1);
    await seedCodes('exp-lease', 'tm', codes);
    // The first delivery reads the whole pool, then its upload hangs on a stalled S3.
    s3Proxy.hold();
    deliveries.length = 0;
    const errorsBefore = invocationErrors.length;
    const started = await post('exp-lease', { type: 'tm' });
    expect(started.status).toBe(202);
    const { exportId } = started.body;
    await until(
      async () => (await get('exp-lease', exportId)).body.progress.rows >= 2 * EXPORT_TUNING.cursorBatch,
    );

    // Its lease runs out (no sign of life for longer than JOB_LEASE_MS) and Lambda delivers again.
    const exports = await exportsStore.collection();
    await exports.updateOne({ _id: exportId }, { $set: { updatedAt: new Date(Date.now() - HOUR) } });
    const second = exportCodes({ kind: 'codeExport', jobId: exportId }, lambdaContext('exportCodes'));
    await until(async () => (await get('exp-lease', exportId)).body.attempts === 2);
    s3Proxy.release();

    expect(await second).toEqual({
      exportId,
      outcome: 'exported',
      rows: codes.length,
      size: expect.any(Number),
    });
    await lambda.idle();
    // The first one finds the record no longer its own: it stops without marking anything.
    expect(deliveries).toEqual([{ exportId, outcome: 'superseded' }]);
    expect(invocationErrors).toHaveLength(errorsBefore);
    const record = await get('exp-lease', exportId);
    expect(record.body).toMatchObject({ status: 'succeeded', attempts: 2, rows: codes.length });
    expect(record.body.error).toBeUndefined();
    expect(parseExport(await download(record.body.url!)).map((row) => row.code)).toEqual(codes);
  });

  it('writes under exports/, never under codes/', async () => {
    const record = await exportOf(campaign, { type: 'external', status: 'available' });
    const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: record.key }));
    expect(object.ContentType).toBe('text/csv; charset=utf-8');
    expect(s3.created.map((created) => created.key).every((key) => key.startsWith('exports/'))).toBe(true);
  });
});
