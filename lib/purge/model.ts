import * as z from 'zod';
import type { CodeStatus } from '../codes/model.ts';
import { type JobDocument, type JobViewBase, jobViewBase } from '../jobs/model.ts';
import { jobStore } from '../jobs/record-store.ts';

/** The `purges` collection (contract §6a): one document per purge of one pool. */
export interface PurgeDocument extends JobDocument {
  statuses: CodeStatus[];
  includeAssigned: boolean;
  /** Codes deleted so far, exactly (see `pending`). */
  count: { deleted: number };
  progress: { batches: number };
  /**
   * The write-ahead note of the batch being deleted: its codes, saved before its deleteMany. A
   * retry after a crash between the delete and the next note counts which of them are gone (the
   * crashed attempt deleted them) and deletes the rest that still qualify, so `count.deleted`
   * stays exact. At most one batch of codes.
   */
  pending?: { codes: string[] };
}

export interface PurgeView extends JobViewBase {
  purgeId: string;
  statuses: CodeStatus[];
  includeAssigned: boolean;
  count: { deleted: number };
  progress: { batches: number };
}

export const purgeView = (doc: PurgeDocument): PurgeView => ({
  purgeId: doc._id,
  ...jobViewBase(doc),
  statuses: doc.statuses,
  includeAssigned: doc.includeAssigned,
  count: doc.count,
  progress: doc.progress,
});

export const purgesStore = jobStore<PurgeDocument>('purges');

/** Route 14's hand-off to the purge function (an asynchronous Invoke payload). */
export const PURGE_REQUEST_KIND = 'codePurge';
export const purgeInvocationSchema = z.object({
  kind: z.literal(PURGE_REQUEST_KIND),
  jobId: z.string().regex(/^[0-9a-f]{32}$/),
});
