import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ObjectCreated, s3Event } from '../../../infra/local/s3/event.ts';
import { type LocalS3, startLocalS3 } from '../../../infra/local/s3/server.ts';

const bucket = 'unit-bucket';
let s3: LocalS3;
let client: S3Client;
let directory: string;
let created: ObjectCreated[] = [];
const waiters: (() => void)[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'local-s3-'));
  s3 = await startLocalS3({
    port: 0,
    bucket,
    directory,
    onObjectCreated: (object) => {
      created.push(object);
      for (const wake of waiters.splice(0)) wake();
    },
  });
  client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});
afterAll(async () => {
  client.destroy();
  await s3.close();
  await rm(directory, { recursive: true, force: true });
});
beforeEach(() => {
  created = [];
});

/** Resolves once `n` notifications have arrived (they are delivered after the response). */
const notifications = async (n: number): Promise<ObjectCreated[]> => {
  while (created.length < n) await new Promise<void>((wake) => waiters.push(wake));
  return created;
};

describe('local S3', () => {
  it('stores objects intact and reports a put with the stored key, size, ETag and client address', async () => {
    const key = 'codes/camp 1/tm/batch (1)+x.csv';
    const body = 'code\nA-1\nA-2\n';
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const [object] = await notifications(1);
    expect(object).toEqual({
      eventName: 'ObjectCreated:Put',
      bucket,
      key,
      size: body.length,
      eTag: put.ETag!.replaceAll('"', ''),
      versionId: put.VersionId,
      sourceIp: '127.0.0.1',
      time: expect.any(Date),
    });
    const stored = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await stored.Body!.transformToString()).toBe(body);

    const event = s3Event(object!, { region: 'us-east-1', configurationId: 'test' });
    expect(S3Schema.parse(event).Records[0]!.s3.object.key).toBe('codes/camp+1/tm/batch+%281%29%2Bx.csv');
  });

  it('reports copies with the ETag s3rver leaves out', async () => {
    const put = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'src.csv', Body: 'code\nB\n' }),
    );
    await notifications(1);
    await client.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'codes/c/tm/copy.csv', CopySource: `${bucket}/src.csv` }),
    );
    const [, copy] = await notifications(2);
    expect(copy).toMatchObject({
      eventName: 'ObjectCreated:Copy',
      key: 'codes/c/tm/copy.csv',
      size: 7,
      eTag: put.ETag!.replaceAll('"', ''),
    });
  });

  it('reports a completed multipart upload as CompleteMultipartUpload, and nothing for its parts', async () => {
    const key = 'codes/c/tm/multi.csv';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'code\nM\n' }),
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    const [object] = await notifications(1);
    expect(object).toMatchObject({ eventName: 'ObjectCreated:CompleteMultipartUpload', key, size: 7 });
    expect(created).toHaveLength(1);
  });

  it('accepts unsigned uploads (curl -T) and does not report deletions', async () => {
    const response = await fetch(`${s3.endpoint}/${bucket}/codes/c/tm/curl.csv`, {
      method: 'PUT',
      body: 'code\nC\n',
    });
    expect(response.status).toBe(200);
    const [object] = await notifications(1);
    expect(object).toMatchObject({ eventName: 'ObjectCreated:Put', key: 'codes/c/tm/curl.csv', size: 7 });
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'codes/c/tm/curl.csv' }));
    // A put after the delete is the next notification: the delete produced none in between.
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'after-delete.csv', Body: 'x' }));
    const [, next] = await notifications(2);
    expect(next!.key).toBe('after-delete.csv');
  });
});
