import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startLocalStack } from '../../../infra/local/stack.ts';
import { eventually, localApi, useLocalStack } from '../../support/local-api.ts';

// The whole local stack on free ports, driven only over real HTTP and the S3 API, exactly as a
// developer (or a client system) would use `npm start`. It shares this file's MongoDB database
// (test-env.ts), so it runs against the embedded server or a real one alike.
const campaign = 'e2e-camp';
const codes = Array.from({ length: 10 }, (_, i) => `E2E-${String(i + 1).padStart(4, '0')}`);

const { stack, s3 } = useLocalStack();
const api = localApi(stack);

type Counts = { available: number; reserved: number; assigned: number };
const counts = async (type = 'tm') => (await api<Counts>(`/v1/${campaign}/codes/count?type=${type}`)).body;

describe('npm start, end to end', () => {
  it('answers the heartbeat once everything is up', async () => {
    const reply = await api('/heartbeat', { token: null });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok', checks: { mongo: true } });
  });

  it('imports a CSV dropped into the bucket through the S3 API', async () => {
    const csv = `code\r\n${codes.join('\r\n')}\r\n${codes[0]}\r\n`;
    // A space in the key: the event carries it URL-encoded (`first+batch.csv`) and the importer decodes it.
    const key = `codes/${campaign}/tm/first batch.csv`;
    await s3().send(
      new PutObjectCommand({ Bucket: stack().bucket, Key: key, Body: csv, ContentType: 'text/csv' }),
    );
    const stored = await s3().send(new GetObjectCommand({ Bucket: stack().bucket, Key: key }));
    expect(await stored.Body!.transformToString()).toBe(csv);

    const imported = await eventually(counts, (c) => c.available === codes.length, 'the S3-triggered import');
    expect(imported).toEqual({ available: 10, reserved: 0, assigned: 0 });
  });

  it('runs reserve, count, assign and release over HTTP', async () => {
    const reserved = await api<string[]>(`/v1/${campaign}/reserve?count=3&type=tm`);
    expect(reserved.status).toBe(200);
    expect(reserved.body).toHaveLength(3);
    expect(new Set(reserved.body).size).toBe(3);
    for (const code of reserved.body) expect(codes).toContain(code);
    const reserveId = reserved.headers.get('x-reserve-id');
    expect(reserveId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(await counts()).toEqual({ available: 7, reserved: 3, assigned: 0 });

    const assigned = await api(`/v1/${campaign}/assign`, {
      method: 'POST',
      body: { codes: [reserved.body[0]] },
    });
    expect(assigned).toMatchObject({ status: 200, body: { count: { in: 1, updated: 1 } } });

    const released = await api(`/v1/${campaign}/release`, { method: 'POST', body: { reserveId } });
    expect(released).toMatchObject({ status: 200, body: { count: { in: 2, updated: 2 } } });

    expect(await counts()).toEqual({ available: 9, reserved: 0, assigned: 1 });
    const onlyAssigned = await api(`/v1/${campaign}/codes/count?type=tm&status=assigned`);
    expect(onlyAssigned).toMatchObject({ status: 200, body: { assigned: 1 } });
  });

  it('imports through the upload route too, and triggers only on codes/…/*.csv', async () => {
    const put = (key: string, body: string) =>
      s3().send(new PutObjectCommand({ Bucket: stack().bucket, Key: key, Body: body }));
    // Neither matches the trigger's filter (suffix .csv, prefix codes/): they must never be imported.
    await put(`codes/${campaign}/external/ignored.txt`, 'code\nIGNORED-1\n');
    await put(`elsewhere/${campaign}/external/outside.csv`, 'code\nOUTSIDE-1\n');
    await put(`codes/${campaign}/external/second.txt`, 'code\nEXT-1\nEXT-2\n');

    const upload = await api<{ importId: string; count: Record<string, number> }>(`/v1/${campaign}/codes`, {
      method: 'POST',
      body: { fileKey: `codes/${campaign}/external/second.txt` },
    });
    expect(upload.status).toBe(200);
    expect(upload.body.count).toMatchObject({ in: 2, inserted: 2, updated: 0 });
    const record = await api<{ status: string; source: string }>(
      `/v1/${campaign}/imports/${upload.body.importId}`,
    );
    expect(record).toMatchObject({ status: 200, body: { status: 'succeeded', source: 'api' } });

    // A matching object dropped after the ignored ones: once it is imported, the ignored ones
    // would have been too, had the filter let them through.
    await put('codes/e2e-marker/tm/marker.csv', 'code\nMARKER-1\n');
    const markerCounts = () => api<Counts>('/v1/e2e-marker/codes/count?type=tm').then((reply) => reply.body);
    await eventually(markerCounts, (c) => c.available === 1, 'the marker import');
    expect(await counts('external')).toEqual({ available: 2, reserved: 0, assigned: 0 });
  });

  it('keeps callers out as API Gateway and the service do', async () => {
    const noToken = await api(`/v1/${campaign}/codes/count?type=tm`, { token: null });
    expect(noToken).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });

    const forged = await api(`/v1/${campaign}/codes/count?type=tm`, {
      token: `${stack().supremeToken}x`,
    });
    expect(forged).toMatchObject({ status: 403, body: { message: 'Forbidden' } });

    const fan = await api(`/v1/${campaign}/codes/count?type=tm`, {
      token: stack().mintToken({ sub: 'fan' }),
    });
    expect(fan.status).toBe(401);
    expect(fan.body).toMatchObject({ code: 'supremeUserRequired' });

    expect(await api('/v1/nowhere', { token: null })).toMatchObject({
      status: 404,
      body: { message: 'Not Found' },
    });
  });

  it('refuses a second stack in the same process', async () => {
    await expect(
      startLocalStack({ port: 0, s3Port: 0, mongoUri: process.env.MONGODB_URI!, quiet: true }),
    ).rejects.toThrow('One local stack per process');
  });

  it('mints tokens on POST /dev/token that the authorizer accepts', async () => {
    const minted = await api<{ token: string }>('/dev/token', {
      method: 'POST',
      token: null,
      body: { isSupreme: true, sub: 'e2e' },
    });
    expect(minted.status).toBe(200);
    const reply = await api(`/v1/${campaign}/codes/count?type=tm`, {
      token: minted.body.token,
      headers: { 'x-correlation-id': 'e2e-correlation-1' },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-correlation-id')).toBe('e2e-correlation-1');
    expect(reply.headers.get('apigw-requestid')).toMatch(/^[A-Za-z0-9+/]{15}=$/);
  });
});
