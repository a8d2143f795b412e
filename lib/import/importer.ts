import { MongoError } from 'mongodb';
import { importConfig } from '../config.ts';
import { logger, MetricName, MetricUnit, metrics, tracer } from '../observability.ts';
import { httpStatusOf } from '../s3.ts';
import { type Batch, BatchQueue, distinctCodes, newBatch } from './batches.ts';
import { countExisting, upsertCodes } from './code-writes.ts';
import { CodeCsvReader } from './csv.ts';
import { asImportFailure, type ImportFailure } from './failure.ts';
import { campaignOfKey, type FileKey, parseFileKey } from './key.ts';
import {
  type ImportCounts,
  type ImportDocument,
  type ImportError,
  type ImportObject,
  type ImportSource,
  type ImportStatus,
  importIdOf,
  REJECT_SAMPLE_SIZE,
} from './model.ts';
import { publishImportEnded } from './outcome-events.ts';
import {
  claimImport,
  commitBatch,
  failImport,
  finishImport,
  LeaseLostError,
  notePendingBatch,
  renewLease,
} from './record-store.ts';
import { openObject } from './source.ts';

/**
 * The streaming importer (contract §5), one for both entry points (the S3 trigger and route 1's
 * hand-off): S3 GetObject body → UTF-8 check → csv-parse → batches of `IMPORT_BATCH_SIZE`
 * accepted rows → one unordered bulk upsert per batch. Parsing the next batch overlaps writing
 * the previous one; at most BATCHES_IN_FLIGHT batches exist at once, so memory stays flat.
 *
 * Per batch, in order: count which of its codes exist (the write-ahead figure), note it in the
 * import record, bulk-upsert, then commit counts and position in one update of the record. A
 * retry after a crash re-reads the file, skips the committed rows, and replays the batch that was
 * in flight with its noted figure — so counts stay exact even when that batch had been written.
 */
/**
 * Complete batches that may exist at once: one being written and the next, parsed ahead, waiting
 * for it (parsing is ~25× faster than writing, so more would only hold memory).
 */
const BATCHES_IN_FLIGHT = 2;

export interface ImportJob {
  object: ImportObject;
  source: ImportSource;
  /** The upload request's correlation id (route 1); S3 deliveries have none. */
  correlationId?: string;
}

/**
 * The invocation's time left (Lambda's `context.getRemainingTimeInMillis()`). The importer stops
 * at a safe point — between batches, with everything before committed — when too little is left
 * to write another batch, and leaves the record `failed`, `retryable: true`: the platform's retry
 * takes it over at once (no lease to wait out) and resumes after the last committed batch, rather
 * than the function being killed mid-batch at its timeout. The local runtime sets this time to
 * zero on Ctrl-C, so an interrupted `npm start` stops the same way.
 */
export type TimeLeft = () => number;

/** Stop when less than this is left, or twice the slowest batch so far if that is more. */
const STOP_MARGIN_MS = 5_000;

/** This delivery stopped between batches because its time was running out (see TimeLeft). */
class OutOfTimeError extends Error {
  override readonly name = 'OutOfTimeError';
}

export interface ImportOutcome {
  importId: string;
  key: string;
  status: ImportStatus;
  /**
   * `imported`: this delivery ran it to the end; `failed`: it failed for good (content or key);
   * `alreadyFinished` / `inProgress`: another delivery did or does the work; `superseded`: this
   * delivery lost its lease to another one midway.
   */
  outcome: 'imported' | 'failed' | 'alreadyFinished' | 'inProgress' | 'superseded';
  count: ImportCounts;
}

export async function runImport(job: ImportJob, timeLeft?: TimeLeft): Promise<ImportOutcome> {
  const { object } = job;
  const importId = importIdOf(object);
  const config = importConfig();
  // The import's log lines carry the upload's correlation id, so one query follows the request
  // from the upload function into the importer.
  if (job.correlationId) {
    logger.setCorrelationId(job.correlationId);
    tracer.putAnnotation('correlationId', job.correlationId);
  }
  let fileKey: FileKey | undefined;
  let keyFailure: ImportFailure | undefined;
  try {
    fileKey = parseFileKey(object.key);
  } catch (error) {
    keyFailure = asImportFailure(error);
    if (!keyFailure) throw error;
  }
  const claim = await claimImport(
    importId,
    object,
    {
      campaignId: fileKey?.campaignId ?? campaignOfKey(object.key),
      type: fileKey?.type,
      source: job.source,
      batchSize: config.batchSize,
      correlationId: job.correlationId,
    },
    config.leaseMs,
  );
  const outcomeOf = (doc: ImportDocument, outcome: ImportOutcome['outcome']): ImportOutcome => ({
    importId,
    key: object.key,
    status: doc.status,
    outcome,
    count: doc.count,
  });
  if (claim.kind !== 'run') {
    logger.info('Import already handled by another delivery', {
      importId,
      key: object.key,
      found: claim.kind,
    });
    // Its end event did not get out then (contract §6b, at least once): this delivery publishes it.
    if (claim.kind === 'finished' && claim.doc.outcomePublished === false) {
      await publishImportEnded(claim.doc, claim.doc.count, claim.doc.error);
    }
    return outcomeOf(claim.doc, claim.kind === 'finished' ? 'alreadyFinished' : 'inProgress');
  }
  const attempt = new ImportAttempt(claim.doc, fileKey, timeLeft);
  logger.info(claim.resumed ? 'Import resumed' : 'Import started', {
    importId,
    bucket: object.bucket,
    key: object.key,
    source: job.source,
    attempt: claim.doc.attempts,
    fromRow: claim.doc.progress.rows,
  });
  try {
    if (keyFailure) throw keyFailure;
    await attempt.run();
    await finishImport(claim.doc);
    logger.info('Import succeeded', {
      importId,
      key: object.key,
      count: attempt.count,
      progress: attempt.progress,
    });
    await publishImportEnded(claim.doc, attempt.count);
    return { ...outcomeOf(claim.doc, 'imported'), status: 'succeeded', count: attempt.count };
  } catch (error) {
    if (error instanceof LeaseLostError) {
      logger.warn('Import taken over by another delivery; this one stops', { importId, error });
      return { ...outcomeOf(claim.doc, 'superseded'), count: attempt.count };
    }
    const failure = asImportFailure(error);
    const recorded = await recordFailure(claim.doc, error, failure);
    // A stop for time is no failure: the retry resumes it (no alarm on ImportFailed).
    if (!(error instanceof OutOfTimeError)) metrics.addMetric(MetricName.ImportFailed, MetricUnit.Count, 1);
    // Failed for good (and recorded so): the import has ended.
    if (failure && recorded) await publishImportEnded(claim.doc, attempt.count, recorded);
    // Transient: fail the invocation so the platform retries; the retry resumes from the record.
    // Permanent but not recorded (the database failed too): the retry records it.
    if (!failure || !recorded) throw error;
    return { ...outcomeOf(claim.doc, 'failed'), status: 'failed', count: attempt.count };
  } finally {
    attempt.emitMetrics();
  }
}

/** Marks the import failed and returns what it recorded; undefined when even that failed. */
async function recordFailure(
  doc: ImportDocument,
  error: unknown,
  failure: ImportFailure | undefined,
): Promise<ImportError | undefined> {
  const recorded: ImportError = failure
    ? {
        reason: failure.reason,
        message: failure.message,
        retryable: false,
        ...(failure.line === undefined ? {} : { line: failure.line }),
        at: new Date(),
      }
    : { reason: 'internal', message: describeTransient(error), retryable: true, at: new Date() };
  // A file that cannot be imported fails the invocation: ERROR, so it shows in the
  // errors-by-operation query and the importer's alarm like an interruption does. Stopping between
  // batches because the invocation's time runs out is routine (a WARN): the retry resumes it.
  if (failure) logger.error('Import failed', { importId: doc._id, key: doc.key, error: recorded });
  else if (error instanceof OutOfTimeError)
    logger.warn('Import stopped between batches, its time running out; a retry resumes it', {
      importId: doc._id,
      key: doc.key,
      error: recorded,
    });
  else logger.error('Import interrupted; a retry resumes it', { importId: doc._id, key: doc.key, error });
  try {
    await failImport(doc, recorded);
    return recorded;
  } catch (markError) {
    // Typically the database is what failed. The record stays `running`, and its lease expires
    // (IMPORT_LEASE_MS without a heartbeat) before the platform's retry arrives, which resumes it.
    logger.error('Could not mark the import failed', { importId: doc._id, error: markError });
    return undefined;
  }
}

/** What the record says about a transient failure: a category, never internals (hosts, stacks). */
function describeTransient(error: unknown): string {
  if (error instanceof OutOfTimeError) return error.message;
  if (error instanceof MongoError)
    return `The database failed or was unreachable (${error.name}); a retry resumes the import`;
  if (httpStatusOf(error) !== undefined || (error as { $metadata?: unknown })?.$metadata) {
    return `Reading the object from S3 failed (${(error as Error).name}); a retry resumes the import`;
  }
  return 'The import was interrupted by an unexpected error; a retry resumes it';
}

/** One delivery's work on a claimed import. */
class ImportAttempt {
  readonly count: ImportCounts;
  readonly progress: ImportDocument['progress'];
  private readonly rejects: ImportDocument['rejects'];
  private readonly startCount: ImportCounts;
  private readonly started = performance.now();
  private ran = false;
  private slowestBatchMs = 0;

  constructor(
    private readonly doc: ImportDocument,
    private readonly fileKey: FileKey | undefined,
    private readonly timeLeft: TimeLeft | undefined,
  ) {
    this.count = { ...doc.count };
    this.startCount = { ...doc.count };
    this.progress = { ...doc.progress };
    this.rejects = [...doc.rejects];
  }

  async run(): Promise<void> {
    const fileKey = this.fileKey!;
    this.ran = true;
    const { doc } = this;
    const queue = new BatchQueue((batch) => this.write(batch, fileKey), BATCHES_IN_FLIGHT);
    let sampled = this.rejects.length;
    let batch = newBatch(this.progress.batches + 1, this.progress.rows, doc.batchSize);
    const close = () => {
      batch.toRow = reader.rows;
      batch.toLine = reader.lastLine;
      batch.toByte = reader.lastByte;
      queue.submit(batch);
      batch = newBatch(batch.index + 1, batch.toRow, doc.batchSize);
    };
    const reader = new CodeCsvReader(
      {
        accept: (code) => {
          batch.codes[batch.accepted] = code;
          if (++batch.accepted === doc.batchSize) close();
        },
        reject: (row) => {
          batch.rejected++;
          if (sampled < REJECT_SAMPLE_SIZE) {
            batch.rejects.push(row);
            sampled++;
          }
        },
        skip: () => {
          batch.skipped++;
        },
      },
      this.progress.rows,
    );
    const heartbeat = setInterval(
      () => {
        renewLease(doc).catch((error: unknown) =>
          logger.warn('Lease renewal failed', { importId: doc._id, error }),
        );
      },
      // Three signs of life per lease: one late renewal does not let another delivery take over.
      Math.max(250, Math.floor(importConfig().leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      const body = await openObject(doc);
      for await (const chunk of body) {
        reader.write(chunk);
        await queue.waitForRoom();
      }
      await reader.end();
      // The last, partial batch (or, for a file without codes, the header and skipped rows).
      if (reader.rows > batch.fromRow || this.progress.batches === 0) close();
      await queue.drain();
    } catch (error) {
      // Let submitted batches finish (they hold complete rows read before the problem), so the
      // record says exactly where the import stopped; then report the first problem.
      await queue.drain().catch(() => undefined);
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async write(batch: Batch, fileKey: FileKey): Promise<void> {
    const { doc } = this;
    const left = this.timeLeft?.();
    if (left !== undefined && left < Math.max(STOP_MARGIN_MS, 2 * this.slowestBatchMs)) {
      throw new OutOfTimeError(
        `The import stopped after row ${this.progress.rows}, its invocation's time running out (${left} ms left); a retry resumes it`,
      );
    }
    const began = performance.now();
    const codes = distinctCodes(batch);
    const distinct = codes.length;
    let inserted = 0;
    let updated = 0;
    if (distinct > 0) {
      const noted = doc.pending;
      const replay =
        noted?.batch === batch.index && noted.fromRow === batch.fromRow && noted.distinct === distinct;
      const existing = replay ? noted.existing : await countExisting(fileKey.campaignId, codes);
      if (!replay) {
        await notePendingBatch(doc, { batch: batch.index, fromRow: batch.fromRow, distinct, existing });
      }
      const result = await upsertCodes(fileKey.campaignId, codes, fileKey.type, new Date());
      logger.debug('Import batch written', { importId: doc._id, batch: batch.index, replay });
      if (replay) {
        // The crashed attempt may have written this batch already: MongoDB's answer now would
        // count its inserts as updates, the noted figure from before the first write does not.
        inserted = distinct - existing;
        updated = existing;
      } else {
        inserted = result.inserted;
        updated = result.matched;
        if (inserted !== distinct - existing) {
          logger.warn('Codes of this batch were written concurrently by someone else', {
            importId: doc._id,
            batch: batch.index,
            expectedInserted: distinct - existing,
            inserted,
          });
        }
      }
    }
    const count = this.count;
    count.in += batch.accepted;
    count.inserted += inserted;
    count.updated += updated;
    count.duplicates += batch.accepted - distinct;
    count.rejected += batch.rejected;
    count.skipped += batch.skipped;
    this.progress.rows = batch.toRow;
    this.progress.lines = batch.toLine;
    this.progress.batches = batch.index;
    this.progress.bytes = batch.toByte;
    if (batch.rejects.length > 0) this.rejects.push(...batch.rejects);
    await commitBatch(doc, {
      count,
      progress: this.progress,
      ...(batch.rejects.length > 0 ? { rejects: this.rejects } : {}),
    });
    doc.pending = undefined;
    const ms = performance.now() - began;
    this.slowestBatchMs = Math.max(this.slowestBatchMs, ms);
    logger.info('Import batch committed', {
      importId: doc._id,
      batch: batch.index,
      rows: batch.toRow,
      codes: batch.accepted,
      writeMs: Math.round(ms),
      codesPerSecond: ms > 0 ? Math.round((batch.accepted / ms) * 1000) : undefined,
      count: { ...count },
    });
  }

  /** This delivery's share: a resumed import only reports what it committed itself. */
  emitMetrics(): void {
    const delta = (field: keyof ImportCounts) => this.count[field] - this.startCount[field];
    metrics.addMetric(MetricName.CodesImported, MetricUnit.Count, delta('in'));
    metrics.addMetric(MetricName.CodesInserted, MetricUnit.Count, delta('inserted'));
    metrics.addMetric(MetricName.CodesUpdated, MetricUnit.Count, delta('updated'));
    metrics.addMetric(MetricName.CodesRejected, MetricUnit.Count, delta('rejected'));
    if (this.ran) {
      metrics.addMetric(
        MetricName.ImportDuration,
        MetricUnit.Milliseconds,
        Math.round(performance.now() - this.started),
      );
    }
  }
}
