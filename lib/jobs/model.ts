import { randomUUID } from 'node:crypto';
import type { CodeType } from '../codes/model.ts';

/**
 * What export and purge records share (contract §6a): like an import record, a job on one pool with
 * a status, the attempts that worked on it, its lease, its times and, when it failed, why.
 */
export type JobStatus = 'running' | 'succeeded' | 'failed';

/**
 * `handOff`: the worker function could not be invoked (the request answered 500; nothing ran).
 * `internal`: the database or S3 failed, or the job was interrupted; Lambda's retry runs it again.
 */
export type JobFailureReason = 'handOff' | 'internal';

export interface JobError {
  reason: JobFailureReason;
  message: string;
  /** True when a later delivery of the same invocation will try again. */
  retryable: boolean;
  at: Date;
}

export interface JobDocument {
  /** A random id (32 hex characters), made by the route that starts the job. */
  _id: string;
  campaignId: string;
  type: CodeType;
  status: JobStatus;
  /** Deliveries of the worker that have claimed the job (0 until the first one starts). */
  attempts: number;
  /** The lease: the attempt working on the job, and its last sign of life (`updatedAt`). */
  attemptId?: string;
  error?: JobError;
  startedAt: Date;
  updatedAt: Date;
  finishedAt?: Date;
  /** From the start to the finish, retries included. */
  durationMs?: number;
}

/** The record fields every job view shows, under the job's own id name (`exportId`, `purgeId`). */
export interface JobViewBase {
  campaignId: string;
  type: CodeType;
  status: JobStatus;
  error: Omit<JobError, 'at'> | undefined;
  attempts: number;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | undefined;
  durationMs: number | undefined;
}

export function jobViewBase(doc: JobDocument): JobViewBase {
  return {
    campaignId: doc.campaignId,
    type: doc.type,
    status: doc.status,
    error: doc.error && {
      reason: doc.error.reason,
      message: doc.error.message,
      retryable: doc.error.retryable,
    },
    attempts: doc.attempts,
    startedAt: doc.startedAt,
    updatedAt: doc.updatedAt,
    finishedAt: doc.finishedAt,
    durationMs: doc.durationMs,
  };
}

export const newJobId = (): string => randomUUID().replaceAll('-', '');

/** Job ids as routes 13 and 15 accept them: anything else is unknown without a database round trip. */
export const JOB_ID_PATTERN = /^[0-9a-f]{32}$/;

/** The invocation payload a route hands to a worker function: which record to work on. */
export interface JobRequest<K extends string> {
  kind: K;
  jobId: string;
}
