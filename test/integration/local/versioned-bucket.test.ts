import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { importIdOf } from '../../../lib/import/model.ts';
import { eventually, useTestStack } from '../../support/local-stack.ts';

// The local bucket is versioned like the deployed one: an object overwritten while (or before) its
// import runs keeps its version, and each version is imported exactly, with an honest record.
const local = useTestStack();
const { api } = local;

interface Record {
  status: string;
  versionId?: string;
  count: { in: number; inserted: number };
  progress: { batches: number };
}
type Counts = { available: number; reserved: number; assigned: number };

const csvOf = (prefix: string, n: number) =>
  `code\n${Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`).join('\n')}\n`;

async function put(key: string, body: string): Promise<string> {
  const { VersionId } = await local.s3.send(
    new PutObjectCommand({ Bucket: local.stack.bucket, Key: key, Body: body }),
  );
  expect(VersionId).toBeTruthy();
  return VersionId!;
}

const record = (campaign: string, key: string, versionId: string) =>
  api<Record>(`/v1/${campaign}/imports/${importIdOf({ bucket: local.stack.bucket, key, versionId })}`);
const finished = (campaign: string, key: string, versionId: string) =>
  eventually(
    () => record(campaign, key, versionId),
    (reply) => reply.status === 200 && reply.body.status === 'succeeded',
    `the import of version ${versionId}`,
    90_000,
  );
const counts = async (campaign: string) => (await api<Counts>(`/v1/${campaign}/codes/count?type=tm`)).body;

describe('the versioned local bucket', () => {
  it('answers with version ids and serves each version by id and If-Match', async () => {
    const key = 'notes/versions.txt';
    const first = await put(key, 'first');
    const second = await put(key, 'second');
    expect(second).not.toBe(first);
    const get = (extra: { VersionId?: string; IfMatch?: string }) =>
      local.s3.send(new GetObjectCommand({ Bucket: local.stack.bucket, Key: key, ...extra }));
    const current = await get({});
    expect(current.VersionId).toBe(second);
    expect(await current.Body!.transformToString()).toBe('second');
    expect(await (await get({ VersionId: first })).Body!.transformToString()).toBe('first');
    const head = await local.s3.send(
      new HeadObjectCommand({ Bucket: local.stack.bucket, Key: key, VersionId: first }),
    );
    expect(head).toMatchObject({ VersionId: first, ContentLength: 5 });
    await expect(get({ IfMatch: '"0123456789abcdef0123456789abcdef"' })).rejects.toMatchObject({
      $metadata: { httpStatusCode: 412 },
    });
    expect(await (await get({ IfMatch: current.ETag! })).Body!.transformToString()).toBe('second');
  });

  it('imports each of two files put back to back under one key exactly', async () => {
    const campaign = 'race-two';
    const key = `codes/${campaign}/tm/codes.csv`;
    const first = await put(key, csvOf('FIRST', 500));
    const second = await put(key, csvOf('SECOND', 300));
    const [one, two] = [await finished(campaign, key, first), await finished(campaign, key, second)];
    expect(one.body).toMatchObject({ versionId: first, count: { in: 500, inserted: 500 } });
    expect(two.body).toMatchObject({ versionId: second, count: { in: 300, inserted: 300 } });
    expect(await counts(campaign)).toEqual({ available: 800, reserved: 0, assigned: 0 });
  });

  it('imports a large file overwritten mid-import and its replacement exactly', async () => {
    const campaign = 'race-large';
    const key = `codes/${campaign}/tm/codes.csv`;
    const large = await put(key, csvOf('LARGE', 120_000));
    // Overwrite once the first 50 000-code batch is committed: the import is reading the file.
    await eventually(
      () => record(campaign, key, large),
      (reply) => reply.status === 200 && reply.body.progress.batches >= 1,
      'the first batch of the large import',
      90_000,
    );
    const small = await put(key, csvOf('SMALL', 500));
    const [one, two] = [await finished(campaign, key, large), await finished(campaign, key, small)];
    expect(one.body).toMatchObject({ versionId: large, count: { in: 120_000, inserted: 120_000 } });
    expect(two.body).toMatchObject({ versionId: small, count: { in: 500, inserted: 500 } });
    expect(await counts(campaign)).toEqual({ available: 120_500, reserved: 0, assigned: 0 });
  });
});
