import { isServiceError } from '../errors.ts';
import type { FailureReason } from './model.ts';

/**
 * A failure no retry can mend: the key is unusable, the object is gone, or its content cannot be
 * read as a CSV of codes. Object versions are immutable, so the import record is marked failed
 * for good and the invocation succeeds (a retry would only fail the same way). Anything else that
 * goes wrong is transient and makes the invocation fail, so the platform retries it.
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
