import { createHash } from 'node:crypto';
import type { CodeType } from '../codes/model.ts';

/**
 * The `imports` collection (contract §5): one document per import of one S3 object version. Its `_id`
 * is derived from the object's identity, so every delivery of the same object version — a
 * redelivered S3 event, a repeated upload call — finds the same record.
 */
export type ImportStatus = 'running' | 'succeeded' | 'failed';
export type ImportSource = 's3' | 'api';

/** The object an import reads: what an S3 event record or route 1's HeadObject tells us. */
export interface ImportObject {
  bucket: string;
  /** The decoded key. */
  key: string;
  versionId?: string | undefined;
  /** Without quotes (as in S3 events). */
  eTag?: string | undefined;
  size?: number | undefined;
}

/**
 * `in` = accepted codes; each is either `inserted` (a new document), `updated` (an existing one,
 * re-saved) or one of the `duplicates` (a repeat of a code earlier in the same batch, collapsed
 * before writing), so `in = inserted + updated + duplicates` always holds. A repeat in a later
 * batch finds the document the earlier batch wrote and counts as `updated`.
 * `rejected` rows are invalid (see RejectReason); `skipped` rows have an empty first cell.
 */
export interface ImportCounts {
  in: number;
  inserted: number;
  updated: number;
  duplicates: number;
  rejected: number;
  skipped: number;
}

export const zeroCounts = (): ImportCounts => ({
  in: 0,
  inserted: 0,
  updated: 0,
  duplicates: 0,
  rejected: 0,
  skipped: 0,
});

/**
 * `tooLong`: over 256 characters; `controlCharacter`: holds a control character (a line break
 * inside a quoted field included). (The parser has no per-row errors under the CSV rules of
 * lib/import/csv.ts: a row it cannot read ends the import as `malformedCsv`.)
 */
export type RejectReason = 'tooLong' | 'controlCharacter';

export interface RejectedRow {
  /** 1-based line of the file where the row starts. */
  line: number;
  reason: RejectReason;
  /** The trimmed first cell, cut to a readable length. */
  value: string;
}

/** The first rejects are kept with their line and reason; the rest are only counted. */
export const REJECT_SAMPLE_SIZE = 100;

/**
 * Why an import failed. The first group is permanent — the object version is immutable, so a
 * retry would fail the same way and none is attempted; `internal` (database or S3 unreachable, any
 * unexpected error) is transient and the invocation fails so the platform retries it.
 */
export type FailureReason =
  | 'invalidFileKey'
  | 'invalidType'
  | 'fileNotFound'
  | 'objectChanged'
  | 'emptyFile'
  | 'invalidEncoding'
  | 'malformedCsv'
  | 'internal';

export interface ImportError {
  reason: FailureReason;
  message: string;
  /** True when a later delivery will try again (transient failures). */
  retryable: boolean;
  /** For content errors: the line where reading stopped. */
  line?: number;
  at: Date;
}

/** How far the import has committed: everything before `rows` is written and counted. */
export interface ImportProgress {
  /** CSV records read and committed (header, accepted, rejected and skipped rows). */
  rows: number;
  /** Physical lines those records span (blank lines included). */
  lines: number;
  batches: number;
  /**
   * Bytes of the object those records span: with `size`, how far through the file the import is
   * (the console's progress bar). Absent until the first batch commits, and in older records.
   */
  bytes?: number;
}

/**
 * The write-ahead note of the batch being written: how many of its distinct codes existed before
 * it was written. A retry that replays this batch after a crash between its bulk write and its
 * commit uses these figures, so the codes the crashed attempt inserted still count as inserted.
 */
export interface PendingBatch {
  batch: number;
  fromRow: number;
  distinct: number;
  existing: number;
}

export interface ImportDocument {
  _id: string;
  /** Absent only when the key names no campaign at all (a failed record). */
  campaignId?: string;
  /** Absent when the key's type folder is unknown (a failed record). */
  type?: CodeType;
  bucket: string;
  key: string;
  versionId?: string;
  eTag?: string;
  size?: number;
  source: ImportSource;
  /** The correlation id of the upload request that started it (route 1 only). */
  correlationId?: string;
  status: ImportStatus;
  count: ImportCounts;
  progress: ImportProgress;
  rejects: RejectedRow[];
  error?: ImportError;
  /** Rows per batch this import was started with; a resumed import keeps it so batches line up. */
  batchSize: number;
  pending?: PendingBatch;
  /** Deliveries that have worked on this import (1 unless it was resumed). */
  attempts: number;
  /** The lease: the attempt working on the import, and its last sign of life (`updatedAt`). */
  attemptId: string;
  startedAt: Date;
  updatedAt: Date;
  finishedAt?: Date;
  /** From the first start to the finish, retries included. */
  durationMs?: number;
  /**
   * Whether EventBridge took the import's end event (contract §6b): false from the end until it
   * did, so a redelivery of a finished import publishes it again (same eventId). Absent on records
   * finished before events existed.
   */
  outcomePublished?: boolean;
}

/** What route 6 and route 1 show: the record without its lease and write-ahead internals. */
export interface ImportView {
  importId: string;
  campaignId: string | undefined;
  type: CodeType | undefined;
  bucket: string;
  key: string;
  versionId: string | undefined;
  eTag: string | undefined;
  size: number | undefined;
  source: ImportSource;
  correlationId: string | undefined;
  status: ImportStatus;
  count: ImportCounts;
  progress: ImportProgress;
  rejects: RejectedRow[];
  error: Omit<ImportError, 'at'> | undefined;
  attempts: number;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | undefined;
  durationMs: number | undefined;
}

export function importView(doc: ImportDocument): ImportView {
  // Without `at`; a `line` left undefined (a failure not tied to a line) is dropped by JSON.
  const error = doc.error && {
    reason: doc.error.reason,
    message: doc.error.message,
    retryable: doc.error.retryable,
    line: doc.error.line,
  };
  return {
    importId: doc._id,
    campaignId: doc.campaignId,
    type: doc.type,
    bucket: doc.bucket,
    key: doc.key,
    versionId: doc.versionId,
    eTag: doc.eTag,
    size: doc.size,
    source: doc.source,
    correlationId: doc.correlationId,
    status: doc.status,
    count: doc.count,
    progress: doc.progress,
    rejects: doc.rejects,
    error,
    attempts: doc.attempts,
    startedAt: doc.startedAt,
    updatedAt: doc.updatedAt,
    finishedAt: doc.finishedAt,
    durationMs: doc.durationMs,
  };
}

/** A finished import that no delivery will run again. */
export const isFinal = (doc: Pick<ImportDocument, 'status' | 'error'>): boolean =>
  doc.status === 'succeeded' || (doc.status === 'failed' && doc.error?.retryable === false);

/**
 * The import id: the object version's identity — bucket, key, and the version id when the bucket
 * is versioned, else the ETag (a new upload under the same key is a new import, a redelivery is
 * not). 32 hex characters of a SHA-256, safe in a URL path.
 */
export function importIdOf(object: Pick<ImportObject, 'bucket' | 'key' | 'versionId' | 'eTag'>): string {
  // "null" is the version id of objects written while versioning was off or suspended: not unique.
  const versionId = object.versionId === 'null' ? undefined : object.versionId;
  const version = versionId ?? object.eTag ?? '';
  return createHash('sha256')
    .update(`${object.bucket}\n${object.key}\n${version}`)
    .digest('hex')
    .slice(0, 32);
}

/** Route 6's ids: anything else is unknown without a database round trip. */
export const IMPORT_ID_PATTERN = /^[0-9a-f]{32}$/;
