import type { S3Client } from '@aws-sdk/client-s3';
import { s3Config } from './config.ts';
import { lazy } from './lazy.ts';
import { tracer } from './observability.ts';

/**
 * The one S3 client of a container. Endpoints come from the SDK's standard variables
 * (`AWS_ENDPOINT_URL_S3` locally), so no code path differs between AWS and a local S3 server.
 * Checksums only when an operation requires them: local servers (s3rver) store a streamed
 * upload with the SDK's default checksum framing as corrupted bytes; on AWS this is harmless.
 * Captured by the tracer: every S3 call is a subsegment of the function's X-Ray trace.
 * The SDK module itself is loaded on first use, not at cold start (test/bench/cold-start.bench.ts).
 */
export const s3Client = lazy(async (): Promise<S3Client> => {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return tracer.captureAWSv3Client(
    new S3Client({
      forcePathStyle: s3Config().forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  );
});

/** S3 quotes ETags in API answers (`"abc"`) but not in event notifications (`abc`). */
export const bareETag = (eTag: string): string => eTag.replace(/^(W\/)?"(.*)"$/, '$2');

/** The HTTP status of an SDK error (404 for NoSuchKey / NotFound, 412 for a failed If-Match…). */
export const httpStatusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
