import { randomUUID } from 'node:crypto';
import type { Filter } from 'mongodb';
import type { CodeType } from '../codes/model.ts';
import { withIndexes } from '../mongo/collections.ts';
import { dbCall } from '../mongo/instrument.ts';
import {
  type ImportCounts,
  type ImportDocument,
  type ImportError,
  type ImportObject,
  type ImportProgress,
  type ImportSource,
  type ImportStatus,
  isFinal,
  type PendingBatch,
  type RejectedRow,
  zeroCounts,
} from './model.ts';

/**
 * The `imports` collection. Every write after the claim is conditional on `attemptId`, the lease
 * of the delivery working on the import: a delivery that lost its lease (it stalled and another
 * took over) cannot overwrite the newer attempt's progress.
 */
/**
 * Route 6 reads by _id; this serves route 9: a campaign's imports newest first, `_id` breaking
 * ties of `startedAt`, so a page is a range scan from the cursor's (startedAt, _id). Passed as the
 * hint too, so the page is always read along it.
 */
// Stryker disable next-line UnaryOperator: index directions decide how a page is read, not which records it holds
const IMPORT_PAGING_INDEX = { campaignId: 1, startedAt: -1, _id: -1 } as const;

export const importsCollection = withIndexes<ImportDocument>('imports', [{ key: IMPORT_PAGING_INDEX }]);

const DUPLICATE_KEY = 11000;

export interface ImportMeta {
  campaignId: string | undefined;
  type: CodeType | undefined;
  source: ImportSource;
  batchSize: number;
  /** The correlation id of the request that started the import (route 1). */
  correlationId?: string | undefined;
}

/** What a delivery found when it tried to claim an import. */
export type Claim =
  /** A new import (`resumed: false`) or one taken over from a failed or stalled attempt. */
  | { kind: 'run'; doc: ImportDocument; resumed: boolean }
  /** Succeeded, or failed for good: a redelivery does nothing. */
  | { kind: 'finished'; doc: ImportDocument }
  /** Another delivery holds a live lease on it. */
  | { kind: 'busy'; doc: ImportDocument };

/** A lost lease: another delivery took the import over; this one stops without touching it. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/**
 * One page of route 9: the campaign's imports (of one status, when given) after the position
 * `after`, newest first — a range scan of the index above, never a skip.
 */
export async function findImportPage(
  campaignId: string,
  status: ImportStatus | undefined,
  after: { startedAt: Date; importId: string } | undefined,
  limit: number,
): Promise<ImportDocument[]> {
  const imports = await importsCollection();
  const filter: Filter<ImportDocument> = {
    campaignId,
    ...(after === undefined
      ? {}
      : {
          startedAt: { $lte: after.startedAt },
          $or: [{ startedAt: { $lt: after.startedAt } }, { _id: { $lt: after.importId } }],
        }),
    ...(status === undefined ? {} : { status }),
  };
  return dbCall('imports.list', () =>
    imports.find(filter).sort({ startedAt: -1, _id: -1 }).hint(IMPORT_PAGING_INDEX).limit(limit).toArray(),
  );
}

export async function findImport(importId: string): Promise<ImportDocument | null> {
  const imports = await importsCollection();
  return dbCall('imports.find', () => imports.findOne({ _id: importId }));
}

/**
 * Claims an import atomically: the unique `_id` lets exactly one of several concurrent deliveries
 * insert the record. The others find it: finished → nothing to do; running with a live lease →
 * someone else is on it; failed for a transient reason, or running without a sign of life for
 * `leaseMs` → taken over with a conditional update (one winner again), resuming where it stopped.
 */
export async function claimImport(
  importId: string,
  object: ImportObject,
  meta: ImportMeta,
  leaseMs: number,
  now = new Date(),
): Promise<Claim> {
  const imports = await importsCollection();
  const doc: ImportDocument = {
    _id: importId,
    ...(meta.campaignId === undefined ? {} : { campaignId: meta.campaignId }),
    ...(meta.type === undefined ? {} : { type: meta.type }),
    bucket: object.bucket,
    key: object.key,
    ...(object.versionId === undefined ? {} : { versionId: object.versionId }),
    ...(object.eTag === undefined ? {} : { eTag: object.eTag }),
    ...(object.size === undefined ? {} : { size: object.size }),
    source: meta.source,
    ...(meta.correlationId === undefined ? {} : { correlationId: meta.correlationId }),
    status: 'running',
    count: zeroCounts(),
    progress: { rows: 0, lines: 0, batches: 0 },
    rejects: [],
    batchSize: meta.batchSize,
    attempts: 1,
    attemptId: randomUUID(),
    startedAt: now,
    updatedAt: now,
  };
  try {
    await dbCall('imports.claim', () => imports.insertOne(doc));
    return { kind: 'run', doc, resumed: false };
  } catch (error) {
    // The driver's module is loaded lazily (lib/mongo/client.ts); by now it has been.
    const { MongoServerError } = await import('mongodb');
    if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
  }
  const existing = await findImport(importId);
  // Deleted between our insert and read: let the platform's retry try again.
  if (!existing) throw new Error(`Import ${importId} vanished while being claimed`);
  if (isFinal(existing)) return { kind: 'finished', doc: existing };
  if (existing.status === 'running' && now.getTime() - existing.updatedAt.getTime() < leaseMs) {
    return { kind: 'busy', doc: existing };
  }
  const taken = await dbCall('imports.takeOver', () =>
    imports.findOneAndUpdate(
      { _id: importId, attemptId: existing.attemptId, status: existing.status },
      {
        $set: { status: 'running', attemptId: randomUUID(), updatedAt: now },
        $inc: { attempts: 1 },
        // Stryker disable next-line StringLiteral: MongoDB ignores the values of $unset
        $unset: { error: '', finishedAt: '', durationMs: '' },
      },
      { returnDocument: 'after' },
    ),
  );
  return taken ? { kind: 'run', doc: taken, resumed: true } : { kind: 'busy', doc: existing };
}

async function updateOwned(
  name: string,
  doc: Pick<ImportDocument, '_id' | 'attemptId'>,
  update: object,
): Promise<void> {
  const imports = await importsCollection();
  const result = await dbCall(name, () =>
    imports.updateOne({ _id: doc._id, attemptId: doc.attemptId, status: 'running' }, update),
  );
  if (result.matchedCount === 0)
    throw new LeaseLostError(`Import ${doc._id} was taken over by another delivery`);
}

/** The lease's sign of life while a long batch is being written. */
export function renewLease(doc: Pick<ImportDocument, '_id' | 'attemptId'>, now = new Date()): Promise<void> {
  return updateOwned('imports.renewLease', doc, { $set: { updatedAt: now } });
}

/** The write-ahead note of a batch, saved before its bulk write (see PendingBatch). */
export function notePendingBatch(
  doc: Pick<ImportDocument, '_id' | 'attemptId'>,
  pending: PendingBatch,
  now = new Date(),
): Promise<void> {
  return updateOwned('imports.notePending', doc, { $set: { pending, updatedAt: now } });
}

export interface CommittedState {
  count: ImportCounts;
  progress: ImportProgress;
  /** Only when it grew in this batch (it stops growing at 100). */
  rejects?: RejectedRow[];
}

/**
 * Records a written batch: counts and progress in one single-document update, so they always
 * agree — a retry resumes exactly after the last batch recorded here, with its exact counts.
 */
export function commitBatch(
  doc: Pick<ImportDocument, '_id' | 'attemptId'>,
  state: CommittedState,
  now = new Date(),
): Promise<void> {
  return updateOwned('imports.commitBatch', doc, {
    $set: {
      count: state.count,
      progress: state.progress,
      ...(state.rejects ? { rejects: state.rejects } : {}),
      updatedAt: now,
    },
    // Stryker disable next-line StringLiteral: MongoDB ignores the values of $unset
    $unset: { pending: '' },
  });
}

export function finishImport(
  doc: Pick<ImportDocument, '_id' | 'attemptId' | 'startedAt'>,
  now = new Date(),
): Promise<void> {
  return updateOwned('imports.finish', doc, {
    $set: {
      status: 'succeeded',
      outcomePublished: false,
      updatedAt: now,
      finishedAt: now,
      durationMs: now.getTime() - doc.startedAt.getTime(),
    },
  });
}

export function failImport(
  doc: Pick<ImportDocument, '_id' | 'attemptId' | 'startedAt'>,
  error: ImportError,
  now = new Date(),
): Promise<void> {
  return updateOwned('imports.fail', doc, {
    $set: {
      status: 'failed',
      error,
      // Only an end (failed for good) has an event to publish.
      ...(error.retryable ? {} : { outcomePublished: false }),
      updatedAt: now,
      finishedAt: now,
      durationMs: now.getTime() - doc.startedAt.getTime(),
    },
  });
}

/** EventBridge took the import's end event: a redelivery need not publish it again. */
export async function markOutcomePublished(importId: string): Promise<void> {
  const imports = await importsCollection();
  await dbCall('imports.outcomePublished', () =>
    imports.updateOne({ _id: importId }, { $set: { outcomePublished: true } }),
  );
}
