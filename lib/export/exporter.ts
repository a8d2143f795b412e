import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Upload } from '@aws-sdk/lib-storage';
import type { FindCursor } from 'mongodb';
import { campaignIdRange, statusCondition } from '../codes/status-filters.ts';
import { exportBucketConfig, jobConfig } from '../config.ts';
import { describeJobFailure } from '../jobs/failure.ts';
import { JobLeaseLostError } from '../jobs/record-store.ts';
import { codesCollection } from '../mongo/collections.ts';
import { logger, MetricName, MetricUnit, metrics } from '../observability.ts';
import { s3Client } from '../s3.ts';
import { exportCsvStream } from './csv.ts';
import { type ExportDocument, exportsStore } from './model.ts';
import { EXPORT_TUNING } from './tuning.ts';

/**
 * The export function's work (contract §6a): a MongoDB cursor over the pool in `_id` order → CSV
 * rows (csv-stringify) → an S3 multipart upload (lib-storage) at `exports/<campaignId>/<id>.csv`.
 * Every stage is a stream with back-pressure, so at most a few upload parts (EXPORT_TUNING) and
 * one cursor batch are in memory whatever the pool's size.
 *
 * Exactly once: the cursor walks the campaign's range of the `_id` index (see campaignIdRange;
 * hinted, and without a sort, which would hold the pool in the database's memory),
 * whose keys never change, so no code is read twice and every code that exists for the whole
 * export is read once, with its status at the moment the cursor passes it.
 *
 * A failed attempt marks the record failed (retryable) and fails the invocation; Lambda's retry
 * starts the file over from the first code (the aborted multipart upload leaves nothing behind, and
 * the new file replaces any older one under the same key). Starting over keeps a file consistent
 * with one pass of the cursor; resuming parts of an upload would mix two passes.
 */
export interface ExportOutcome {
  exportId: string;
  outcome: 'exported' | 'alreadyFinished' | 'inProgress' | 'missing' | 'superseded';
  rows?: number;
  size?: number;
}

export async function runExport(exportId: string): Promise<ExportOutcome> {
  const config = jobConfig();
  const { bucket } = exportBucketConfig();
  const claim = await exportsStore.claim(exportId, config.leaseMs, { bucket, progress: { rows: 0 } });
  if (claim.kind === 'missing') {
    logger.error('Export invoked for a record that does not exist', { exportId });
    return { exportId, outcome: 'missing' };
  }
  if (claim.kind !== 'run') {
    logger.info('Export already handled by another delivery', { exportId, found: claim.kind });
    return { exportId, outcome: claim.kind === 'finished' ? 'alreadyFinished' : 'inProgress' };
  }
  const doc = claim.doc;
  logger.info(claim.resumed ? 'Export restarted' : 'Export started', {
    exportId,
    campaignId: doc.campaignId,
    type: doc.type,
    status: doc.codeStatus,
    key: doc.key,
    attempt: doc.attempts,
  });
  const started = performance.now();
  try {
    const written = await writeExport(doc, bucket, config.exportProgressRows);
    await exportsStore.finish(doc, {
      rows: written.rows,
      size: written.size,
      progress: { rows: written.rows },
    });
    metrics.addMetric(MetricName.CodesExported, MetricUnit.Count, written.rows);
    const seconds = (performance.now() - started) / 1000;
    logger.info('Export succeeded', {
      exportId,
      key: doc.key,
      ...written,
      seconds: Math.round(seconds * 10) / 10,
      codesPerSecond: seconds > 0 ? Math.round(written.rows / seconds) : undefined,
    });
    return { exportId, outcome: 'exported', ...written };
  } catch (error) {
    if (error instanceof JobLeaseLostError) {
      logger.warn('Export taken over by another delivery; this one stops', { exportId, error });
      return { exportId, outcome: 'superseded' };
    }
    metrics.addMetric(MetricName.ExportFailed, MetricUnit.Count, 1);
    logger.error('Export failed; a retry starts it over', { exportId, key: doc.key, error });
    await exportsStore
      .fail(doc, {
        reason: 'internal',
        message: describeJobFailure(error, 'a retry starts the export over'),
        retryable: true,
        at: new Date(),
      })
      .catch((markError: unknown) =>
        logger.error('Could not mark the export failed', { exportId, error: markError }),
      );
    throw error;
  }
}

/**
 * The cursor's documents a batch at a time, as the server sent them: one promise per batch, not
 * per code. Per-code promises were most of the export's own CPU and garbage, all the more as the
 * X-Ray SDK's async hooks (loaded with the tracer) track every promise until it is collected.
 */
async function* batchesOf<T>(cursor: FindCursor<T>): AsyncGenerator<T[]> {
  while (await cursor.hasNext()) yield cursor.readBufferedDocuments();
}

async function writeExport(
  doc: ExportDocument,
  bucket: string,
  progressRows: number,
): Promise<{ rows: number; size: number }> {
  const codes = await codesCollection();
  const now = new Date();
  // `raw: true`: the driver hands over each code's BSON bytes undecoded, so decoding happens in the
  // CSV stage, while the next batch's getMore is already with the database. Decoded here, in the
  // reader, the database sat idle for it: a batch was asked for only once the last was decoded.
  const cursor = codes.find<Uint8Array>(
    {
      ...campaignIdRange(doc.campaignId),
      type: doc.type,
      ...(doc.codeStatus === undefined ? {} : statusCondition(doc.codeStatus, now)),
    },
    // The hint makes MongoDB walk the `_id` index over the range (so in `_id` order, without a
    // sort stage that would have to hold the whole pool); no sort is asked for on top of it.
    { hint: { _id: 1 }, batchSize: EXPORT_TUNING.cursorBatch, raw: true },
  );
  let rows = 0;
  let size = 0;
  // Reads ahead by one batch: the next batch is fetched (getMore) while this one is written,
  // instead of the database and this function taking turns.
  const source = Readable.from(batchesOf(cursor), { highWaterMark: 1 });
  let noted = 0;
  const csv = exportCsvStream(now, async (written, bytes) => {
    rows = written;
    size = bytes;
    // The progress note is also the lease's sign of life.
    if (rows - noted < progressRows) return;
    noted = rows;
    await exportsStore.update(doc, { progress: { rows } });
  });
  const upload = new Upload({
    client: await s3Client(),
    params: { Bucket: bucket, Key: doc.key, Body: csv, ContentType: 'text/csv; charset=utf-8' },
    partSize: EXPORT_TUNING.partSize,
    queueSize: EXPORT_TUNING.queueSize,
    leavePartsOnError: false,
  });
  const produced = pipeline(source, csv);
  try {
    // Both must finish: the upload completes only once the pipeline has ended its last stream.
    await Promise.all([produced, upload.done()]);
  } catch (error) {
    // Whichever side failed first, stop the other: the cursor is closed, the upload aborted.
    csv.destroy(error as Error);
    await upload.abort().catch(() => undefined);
    await Promise.allSettled([produced, cursor.close()]);
    throw error;
  }
  return { rows, size };
}
