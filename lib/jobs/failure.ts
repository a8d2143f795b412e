import { MongoError } from 'mongodb';
import { httpStatusOf } from '../s3.ts';

/**
 * What a job record says about a failure: a category the operator can act on, never internals
 * (hosts, stacks — those go to the error log with the job id).
 */
export function describeJobFailure(error: unknown, retried: string): string {
  if (error instanceof MongoError) {
    return `The database failed or was unreachable (${error.name}); ${retried}`;
  }
  if (httpStatusOf(error) !== undefined || (error as { $metadata?: unknown })?.$metadata) {
    return `S3 failed (${(error as Error).name}); ${retried}`;
  }
  return `The job was interrupted by an unexpected error; ${retried}`;
}
