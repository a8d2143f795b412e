import { isServiceError } from '../errors.ts';
import type { FailureReason } from './model.ts';

/**
 * A failure no retry can mend: the key is unusable, the object is gone, or its content cannot be
 * read as a CSV of codes. Object versions are immutable, so the import record is marked failed for
 * good (`retryable: false`); the invocation then fails too (contract §5), so the failure shows in
 * the importer's errors and alarm, and the platform's retry finds the final record and does
 * nothing. Anything else that goes wrong is transient: the record says `retryable: true` and the
 * retry resumes the import where it stopped.
 */
export class ImportFailure extends Error {
  override readonly name = 'ImportFailure';
  constructor(
    readonly reason: Exclude<FailureReason, 'internal'>,
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** Key validation speaks in ServiceErrors (route 1 answers with them); the importer records them. */
export function asImportFailure(error: unknown): ImportFailure | undefined {
  if (error instanceof ImportFailure) return error;
  if (isServiceError(error) && (error.code === 'invalidFileKey' || error.code === 'invalidType')) {
    return new ImportFailure(error.code, error.message);
  }
  return undefined;
}
