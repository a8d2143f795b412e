import { randomBytes } from 'node:crypto';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { encodeS3EventKey } from './key-encoding.ts';

/**
 * S3 event notifications in AWS's shape (event structure version 2.1,
 * docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html): one record
 * per notification, the key URL-encoded, the ETag without quotes, a per-bucket increasing
 * `sequencer`. s3rver's own events are only a starting point (no encoding, version 2.0, a broken
 * bucket ARN, no ETag on copies), so the local stack builds its own.
 */
export type ObjectCreatedEventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload';

export interface ObjectCreated {
  eventName: ObjectCreatedEventName;
  bucket: string;
  /** The object key as stored (not encoded). */
  key: string;
  size: number;
  /** The ETag, with or without its surrounding quotes. */
  eTag: string;
  /** The client's IPv4 address. */
  sourceIp: string;
  time: Date;
  versionId?: string;
}

export interface NotificationSettings {
  region: string;
  /** The notification configuration's id (`configurationId` in the record). */
  configurationId: string;
}

/** Who did it and who owns the bucket, as S3 names principals (canonical-id style, fixed locally). */
export const LOCAL_PRINCIPAL_ID = 'AWS:AIDALOCALSTACKUSER0';
export const LOCAL_BUCKET_OWNER_ID = 'A3LOCALBUCKETOWNER';

let lastSequencer = 0n;

/**
 * Hex, upper case, 18 digits, strictly increasing within this process: S3 only promises that
 * sequencers of events on the same key compare in order (after left-padding), which this satisfies.
 */
export function nextSequencer(now = Date.now()): string {
  const candidate = BigInt(now) << 12n;
  lastSequencer = candidate > lastSequencer ? candidate : lastSequencer + 1n;
  return lastSequencer.toString(16).toUpperCase().padStart(18, '0');
}

export function s3EventRecord(object: ObjectCreated, settings: NotificationSettings): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: settings.region,
    eventTime: object.time.toISOString(),
    eventName: object.eventName,
    userIdentity: { principalId: LOCAL_PRINCIPAL_ID },
    requestParameters: { sourceIPAddress: object.sourceIp },
    responseElements: {
      'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
      'x-amz-id-2': randomBytes(48).toString('base64'),
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: settings.configurationId,
      bucket: {
        name: object.bucket,
        ownerIdentity: { principalId: LOCAL_BUCKET_OWNER_ID },
        arn: `arn:aws:s3:::${object.bucket}`,
      },
      object: {
        key: encodeS3EventKey(object.key),
        size: object.size,
        eTag: object.eTag.replace(/"/g, ''),
        ...(object.versionId ? { versionId: object.versionId } : {}),
        sequencer: nextSequencer(object.time.getTime()),
      },
    },
  };
}

/** One notification: S3 sends one record per event. */
export function s3Event(object: ObjectCreated, settings: NotificationSettings): S3Event {
  return { Records: [s3EventRecord(object, settings)] };
}

/**
 * The notification filter of the deployed trigger (prefix and suffix rules). S3 matches rules
 * case-sensitively against the key as it appears in the event (URL-encoded): for `codes/` and
 * `.csv`, which encode to themselves, that is the same as matching the stored key.
 */
export interface KeyFilter {
  prefix?: string;
  suffix?: string;
}

export function matchesFilter(key: string, filter: KeyFilter): boolean {
  const encoded = encodeS3EventKey(key);
  return (
    (filter.prefix === undefined || encoded.startsWith(filter.prefix)) &&
    (filter.suffix === undefined || encoded.endsWith(filter.suffix))
  );
}
