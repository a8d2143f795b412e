import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS } from '../../infra/local/environment.ts';
import type { ObjectCreated } from '../../infra/local/s3/event.ts';
import { startLocalS3 } from '../../infra/local/s3/server.ts';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** A client for this server (path-style, checksums only when required, s3rver's credentials). */
  client: S3Client;
  /** Objects created so far, in order (what S3 would notify about). */
  created: ObjectCreated[];
  put(key: string, body: string | Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

/**
 * s3rver on a free port with one bucket and a temporary directory, removed by stop(). Tests that
 * run functions against it point the SDK there: `AWS_ENDPOINT_URL_S3 = endpoint`,
 * `S3_FORCE_PATH_STYLE = 'true'`, and s3rver's credentials (see s3Environment).
 */
export async function startS3rver(options: { bucket: string }): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-test-'));
  const created: ObjectCreated[] = [];
  const server = await startLocalS3({
    port: 0,
    bucket: options.bucket,
    directory,
    onObjectCreated: (object) => created.push(object),
  });
  const client = s3rverClient(server.endpoint);
  return {
    endpoint: server.endpoint,
    bucket: options.bucket,
    client,
    created,
    put: async (key, body) => {
      // A Buffer, not a string: its length is known, so even an empty body is sent as is.
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      await client.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: bytes }));
    },
    stop: async () => {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The environment the service's S3 client needs to talk to this server (set before importing it). */
export function s3Environment(s3: Pick<TestS3, 'endpoint' | 'bucket'>): Record<string, string> {
  return {
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    BUCKET_NAME: s3.bucket,
  };
}

/** A client for a local S3 server: path-style, checksums only when required, s3rver's credentials. */
export function s3rverClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
