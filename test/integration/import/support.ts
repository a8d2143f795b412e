import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { type ObjectCreated, s3Event } from '../../../infra/local/s3/event.ts';
import type { TestS3 } from '../../support/s3rver.ts';

/** An S3 ObjectCreated:Put notification for an object in the test bucket, as AWS shapes it. */
export async function objectCreatedEvent(s3: TestS3, key: string): Promise<S3Event> {
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
  const object: ObjectCreated = {
    eventName: 'ObjectCreated:Put',
    bucket: s3.bucket,
    key,
    size: head.ContentLength ?? 0,
    eTag: head.ETag ?? '',
    // The local bucket is versioned, as the deployed one: its notifications name the version.
    ...(head.VersionId ? { versionId: head.VersionId } : {}),
    sourceIp: '127.0.0.1',
    time: new Date(),
  };
  return s3Event(object, { region: 'us-east-1', configurationId: 'codes-csv-import' });
}

/** A notification for an object that does not exist (deleted before the importer ran). */
export function eventForMissingObject(s3: TestS3, key: string): S3Event {
  return s3Event(
    {
      eventName: 'ObjectCreated:Put',
      bucket: s3.bucket,
      key,
      size: 10,
      eTag: 'd41d8cd98f00b204e9800998ecf8427e',
      sourceIp: '127.0.0.1',
      time: new Date(),
    },
    { region: 'us-east-1', configurationId: 'codes-csv-import' },
  );
}

/** `n` distinct codes with a prefix, one per line, with a trailing newline. */
export const csvOf = (codes: readonly string[]): string => `${codes.join('\n')}\n`;
