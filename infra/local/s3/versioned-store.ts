import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import type { ObjectVersion, VersionArchive } from './versions.ts';

/** The part of s3rver's filesystem store the versioning hooks replace or call. */
export interface S3rverObjectStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  getMetadata(bucket: string, key: string): Promise<Record<string, string | number>>;
  getObject(bucket: string, key: string): Promise<StoredObject | null>;
  copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata?: Record<string, string>,
  ): Promise<Record<string, string | number>>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

interface StoredObject {
  bucket: string;
  key: string;
  content: Readable | Buffer;
  metadata: Record<string, string>;
}

/** The metadata S3 keeps with an object (what s3rver's S3Object keeps, minus the computed fields). */
const KEPT_METADATA =
  /^(cache-control|content-disposition|content-encoding|content-language|content-type|expires|x-amz-storage-class|x-amz-website-redirect-location|x-amz-meta-.+)$/;

export const keptMetadata = (metadata: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(metadata)
      .filter(([name]) => KEPT_METADATA.test(name))
      .map(([name, value]) => [name, String(value)]),
  );

/**
 * Makes s3rver's store versioned: every write (PUT, form POST, copy, completed multipart upload —
 * s3rver routes them all through putObject or copyObject) becomes a new immutable version in the
 * archive, then the current one; a plain DELETE leaves no version current. `onWritten` runs inside
 * the request that wrote, before s3rver answers it or emits its event.
 */
export function makeVersioned(
  store: S3rverObjectStore,
  archive: VersionArchive,
  onWritten: (bucket: string, key: string, version: ObjectVersion) => void,
): void {
  const deleteObject = store.deleteObject.bind(store);

  store.putObject = async (object) => {
    const version = await archive.write(
      object.bucket,
      object.key,
      object.content,
      keptMetadata(object.metadata),
    );
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const md5 = JSON.parse(version.etag) as string;
    await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    await archive.makeCurrent(object.bucket, object.key, version, objectPath);
    onWritten(object.bucket, object.key, version);
    return { size: version.size, md5 };
  };

  // s3rver copies into the destination file in place, which would rewrite an archived version.
  store.copyObject = async (srcBucket, srcKey, destBucket, destKey, replacementMetadata) => {
    const source = await store.getObject(srcBucket, srcKey);
    if (!source) throw new Error(`Copy source ${srcBucket}/${srcKey} does not exist`);
    await store.putObject({
      bucket: destBucket,
      key: destKey,
      content: source.content,
      metadata: keptMetadata(replacementMetadata ?? source.metadata),
    });
    return store.getMetadata(destBucket, destKey);
  };

  store.deleteObject = async (bucket, key) => {
    await deleteObject(bucket, key);
    await archive.clearCurrent(bucket, key);
  };
}
