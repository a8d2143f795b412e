import { randomUUID } from 'node:crypto';
import type { Collection, Filter, UpdateFilter } from 'mongodb';
import { withIndexes } from '../mongo/collections.ts';
import { dbCall } from '../mongo/instrument.ts';
import type { JobDocument, JobError } from './model.ts';

/**
 * A collection of job records (`exports`, `purges`) and the lease that keeps two deliveries of the
 * worker from running one job at once. Lambda may deliver an asynchronous invocation more than once
 * and retries a failed one: a delivery first claims the record (one winner, atomically), and every
 * later write is conditional on its `attemptId`, so a delivery that lost its lease cannot overwrite
 * the newer attempt's figures.
 */

/** What a delivery found when it tried to claim a job. */
export type Claim<T> =
  /** A job nobody has started, or one taken over from a failed or stalled attempt. */
  | { kind: 'run'; doc: T; resumed: boolean }
  /** Succeeded, or failed for good: a redelivery does nothing. */
  | { kind: 'finished'; doc: T }
  /** Another delivery holds a live lease on it. */
  | { kind: 'busy'; doc: T }
  /** No such record (deleted, or a stray invocation). */
  | { kind: 'missing' };

/** A lost lease: another delivery took the job over; this one stops without touching it. */
export class JobLeaseLostError extends Error {
  override readonly name = 'JobLeaseLostError';
}

export interface JobStore<T extends JobDocument> {
  collection(): Promise<Collection<T>>;
  create(doc: T): Promise<void>;
  find(jobId: string): Promise<T | null>;
  /** `restart`: fields a new attempt starts from (an export starts its file over). */
  claim(jobId: string, leaseMs: number, restart?: Partial<T>, now?: Date): Promise<Claim<T>>;
  /** An owned write: fails with JobLeaseLostError when another delivery took the job over. */
  update(doc: Pick<T, '_id' | 'attemptId'>, set: Partial<T>, unset?: (keyof T)[], now?: Date): Promise<void>;
  finish(
    doc: Pick<T, '_id' | 'attemptId' | 'startedAt'>,
    set: Partial<T>,
    unset?: (keyof T)[],
    now?: Date,
  ): Promise<void>;
  fail(doc: Pick<T, '_id' | 'attemptId' | 'startedAt'>, error: JobError, now?: Date): Promise<void>;
  /** Marks a job no worker has claimed yet as failed (its hand-off failed); false if one had. */
  failUnclaimed(doc: Pick<T, '_id' | 'startedAt'>, error: JobError, now?: Date): Promise<boolean>;
}

export function jobStore<T extends JobDocument>(name: string): JobStore<T> {
  const collection = withIndexes<T>(name, [
    // Routes 13 and 15 read by _id; this serves looking at a campaign's jobs, newest first.
    { key: { campaignId: 1, startedAt: -1 } },
  ]);
  const find = async (jobId: string): Promise<T | null> => {
    const jobs = await collection();
    return (await dbCall(`${name}.find`, () => jobs.findOne({ _id: jobId } as Filter<T>))) as T | null;
  };
  const ended = (doc: Pick<T, 'startedAt'>, now: Date) => ({
    updatedAt: now,
    finishedAt: now,
    durationMs: now.getTime() - doc.startedAt.getTime(),
  });
  const update: JobStore<T>['update'] = async (doc, set, unset = [], now = new Date()) => {
    const jobs = await collection();
    const change: Record<string, object> = { $set: { ...set, updatedAt: now } };
    if (unset.length > 0) change.$unset = Object.fromEntries(unset.map((field) => [field, '']));
    const result = await dbCall(`${name}.update`, () =>
      jobs.updateOne(
        { _id: doc._id, attemptId: doc.attemptId, status: 'running' } as Filter<T>,
        change as UpdateFilter<T>,
      ),
    );
    if (result.matchedCount === 0) {
      throw new JobLeaseLostError(`${name} record ${doc._id} was taken over by another delivery`);
    }
  };

  return {
    collection,
    find,
    create: async (doc) => {
      const jobs = await collection();
      await dbCall(`${name}.create`, () => jobs.insertOne(doc as never));
    },
    claim: async (jobId, leaseMs, restart = {}, now = new Date()) => {
      const jobs = await collection();
      const stale = new Date(now.getTime() - leaseMs);
      const claimed = await dbCall(`${name}.claim`, () =>
        jobs.findOneAndUpdate(
          {
            _id: jobId,
            $or: [
              { status: 'running', attemptId: { $exists: false } },
              { status: 'running', updatedAt: { $lte: stale } },
              { status: 'failed', 'error.retryable': true },
            ],
          } as Filter<T>,
          {
            $set: { ...restart, status: 'running', attemptId: randomUUID(), updatedAt: now },
            $inc: { attempts: 1 },
            $unset: { error: '', finishedAt: '', durationMs: '' },
          } as unknown as UpdateFilter<T>,
          { returnDocument: 'after' },
        ),
      );
      if (claimed) return { kind: 'run', doc: claimed as T, resumed: (claimed as T).attempts > 1 };
      const existing = await find(jobId);
      if (!existing) return { kind: 'missing' };
      return existing.status === 'running'
        ? { kind: 'busy', doc: existing }
        : { kind: 'finished', doc: existing };
    },
    update,
    finish: (doc, set, unset = [], now = new Date()) =>
      update(doc, { ...set, status: 'succeeded', ...ended(doc, now) } as Partial<T>, unset, now),
    fail: (doc, error, now = new Date()) =>
      update(doc, { status: 'failed', error, ...ended(doc, now) } as Partial<T>, [], now),
    failUnclaimed: async (doc, error, now = new Date()) => {
      const jobs = await collection();
      const result = await dbCall(`${name}.failUnclaimed`, () =>
        jobs.updateOne(
          { _id: doc._id, status: 'running', attemptId: { $exists: false } } as Filter<T>,
          { $set: { status: 'failed', error, ...ended(doc, now) } } as unknown as UpdateFilter<T>,
        ),
      );
      return result.matchedCount === 1;
    },
  };
}
