/**
 * Collation: only the simple (binary) one. mingo's collation support differs from ICU's in ways
 * that would give different answers than MongoDB (and ignoring a collation would too), so any
 * other collation is refused with the error of an unsupported feature, never silently ignored.
 */
import { CommandError, ErrorCodes } from './errors.ts';
import { isPlainObject } from './values.ts';

/** Whether `collation` is absent or `{ locale: 'simple' }` (the default binary comparison). */
export function isSimpleCollation(collation: unknown): boolean {
  if (collation === undefined || collation === null) return true;
  return isPlainObject(collation) && collation.locale === 'simple' && Object.keys(collation).length === 1;
}

/** Refuses a collation other than the simple one; `where` names what carried it. */
export function assertSimpleCollation(collation: unknown, where: string): void {
  if (isSimpleCollation(collation)) return;
  throw new CommandError(
    ErrorCodes.CommandNotSupported,
    `${where}: collation ${isPlainObject(collation) && typeof collation.locale === 'string' ? `'${collation.locale}' ` : ''}is not supported by the embedded MongoDB server (only { locale: 'simple' })`,
  );
}
