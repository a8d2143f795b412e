import * as z from 'zod';
import { logger } from '../observability.ts';
import { type ImportJob, type ImportOutcome, runImport, type TimeLeft } from './importer.ts';
import { decodeEventKey } from './key.ts';
import type { ImportObject } from './model.ts';
import { importRequestSchema } from './request.ts';
import { describeObject } from './source.ts';

/**
 * The importer function's events: S3 `ObjectCreated` notifications (the trigger on `codes/`) and
 * route 1's hand-off, which the upload function sends with an asynchronous Invoke. Both become the
 * same ImportJob and run through the same importer.
 */

// Only the fields the importer reads; S3 sends more, and local S3 servers send a little less.
const s3EventSchema = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      s3: z.object({
        bucket: z.object({ name: z.string().min(1) }),
        object: z.object({
          key: z.string().min(1),
          size: z.number().int().nonnegative().optional(),
          eTag: z.string().min(1).optional(),
          versionId: z.string().min(1).optional(),
        }),
      }),
    }),
  ),
});

/** Sent once by S3 when a notification is configured; nothing to import. */
const testEventSchema = z.object({ Event: z.literal('s3:TestEvent') });

export interface ImportEventResult {
  imports: ImportOutcome[];
}

export async function importEvent(event: unknown, timeLeft?: TimeLeft): Promise<ImportEventResult> {
  const jobs = await jobsOf(event);
  const imports: ImportOutcome[] = [];
  let transient: unknown;
  // Every record of the event, even after one fails: the others must not wait for a retry.
  for (const job of jobs) {
    try {
      imports.push(await runImport(job, timeLeft));
    } catch (error) {
      transient ??= error;
    }
  }
  // One transient failure fails the invocation: the retry redoes the whole event, and the records
  // that were imported meanwhile find their finished import record and do nothing.
  if (transient !== undefined) throw transient;
  // A file that cannot be imported fails the invocation too, once its record says why (contract §5):
  // the failure shows in the function's errors, and the retry finds the final record, doing nothing.
  const failed = imports.filter((done) => done.outcome === 'failed');
  if (failed.length > 0) throw new ImportsFailedError({ imports });
  return { imports };
}

/** Some objects of the event could not be imported; their import records hold the reasons. */
export class ImportsFailedError extends Error {
  override readonly name = 'ImportsFailedError';
  constructor(readonly result: ImportEventResult) {
    const failed = result.imports.filter((done) => done.outcome === 'failed');
    super(
      `${failed.length} import(s) failed: ${failed.map((done) => `${done.key} (${done.importId})`).join(', ')}`,
    );
  }
}

async function jobsOf(event: unknown): Promise<ImportJob[]> {
  const request = importRequestSchema.safeParse(event);
  if (request.success) {
    const { kind: _kind, source, correlationId, ...object } = request.data;
    return [{ object, source, ...(correlationId === undefined ? {} : { correlationId }) }];
  }
  const s3Event = s3EventSchema.safeParse(event);
  if (s3Event.success) {
    const jobs: ImportJob[] = [];
    for (const record of s3Event.data.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) {
        logger.info('Ignoring S3 event record', { eventName: record.eventName, key: record.s3.object.key });
        continue;
      }
      let key: string;
      try {
        key = decodeEventKey(record.s3.object.key);
      } catch (error) {
        // S3 itself never sends such a key; there is no object to name in an import record.
        logger.error('Ignoring S3 event record with an undecodable key', {
          key: record.s3.object.key,
          error,
        });
        continue;
      }
      jobs.push({ object: await objectOf(record.s3.bucket.name, key, record.s3.object), source: 's3' });
    }
    return jobs;
  }
  if (testEventSchema.safeParse(event).success) return [];
  // A wiring mistake, not a file problem: fail loudly (the event ends in the dead-letter queue).
  throw new Error('The importer received an event that is neither an S3 notification nor an import request');
}

async function objectOf(
  bucket: string,
  key: string,
  object: { size?: number | undefined; eTag?: string | undefined; versionId?: string | undefined },
): Promise<ImportObject> {
  const described: ImportObject = {
    bucket,
    key,
    versionId: object.versionId,
    eTag: object.eTag,
    size: object.size,
  };
  if (described.versionId !== undefined || described.eTag !== undefined) return described;
  // Some notifications (a copy, on some local servers) carry no ETag: ask S3 which version is there.
  return (await describeObject(bucket, key)) ?? described;
}
