import { ServiceError } from '../errors.ts';
import { logger } from '../observability.ts';
import { bareETag, httpStatusOf, s3Client } from '../s3.ts';
import { ImportFailure } from './failure.ts';
import type { ImportObject } from './model.ts';

/**
 * The object version as S3 describes it now; undefined when there is no such object. Any other
 * client error S3 answers (4xx) is about the key the caller gave — `invalidFileKey`, a 400, never
 * a 500; logged at WARN with S3's answer, since a 403 can also mean our own grants are wrong.
 */
export async function describeObject(bucket: string, key: string): Promise<ImportObject | undefined> {
  try {
    const client = await s3Client();
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return {
      bucket,
      key,
      versionId: head.VersionId,
      eTag: head.ETag === undefined ? undefined : bareETag(head.ETag),
      size: head.ContentLength,
    };
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 404) return undefined;
    if (status !== undefined && status >= 400 && status < 500) {
      const s3Error = (error as Error).name;
      logger.warn('S3 refused the existence check of a file key', { bucket, key, status, s3Error });
      throw new ServiceError('invalidFileKey', `S3 refused the key ${key} (${status} ${s3Error})`);
    }
    throw error;
  }
}

/**
 * Opens the object version an import is about as a byte stream. The version id pins it on a
 * versioned bucket; otherwise `If-Match` on the ETag makes sure a newer object written under the
 * same key since is not read in its place (that one has an import of its own).
 */
export async function openObject(object: ImportObject): Promise<AsyncIterable<Uint8Array>> {
  const pinned = object.versionId !== undefined && object.versionId !== 'null';
  try {
    const client = await s3Client();
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const response = await client.send(
      new GetObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        ...(pinned ? { VersionId: object.versionId } : {}),
        ...(!pinned && object.eTag ? { IfMatch: `"${object.eTag}"` } : {}),
      }),
    );
    if (!response.Body) throw new Error(`GetObject of ${object.key} returned no body`);
    // In Node.js the body is an http.IncomingMessage: a Readable, hence async-iterable.
    return response.Body as unknown as AsyncIterable<Uint8Array>;
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 404)
      throw new ImportFailure('fileNotFound', `s3://${object.bucket}/${object.key} does not exist`);
    if (status === 412) {
      throw new ImportFailure(
        'objectChanged',
        `s3://${object.bucket}/${object.key} was replaced since this import began`,
      );
    }
    throw error;
  }
}
