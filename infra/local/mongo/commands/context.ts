/**
 * What every command handler receives, and helpers that read command arguments with the type
 * checks (and error codes) mongod applies.
 */

import { assertSimpleCollation } from '../collation.ts';
import type { CursorRegistry } from '../cursors.ts';
import { CommandError, ErrorCodes } from '../errors.ts';
import { type EngineOptions, evaluateVariables } from '../mingo-bridge.ts';
import type { Storage } from '../storage.ts';
import { assertValidCollectionName } from '../storage.ts';
import { type Document, isPlainObject, isTruthy, toNumber } from '../values.ts';
import { DocumentSequence } from '../wire.ts';

export interface CommandContext {
  readonly storage: Storage;
  readonly cursors: CursorRegistry;
  /** The command's `$db`. */
  readonly db: string;
  readonly connectionId: number;
  /** Lets other connections' commands run; a large batch awaits it between slices. */
  betweenSlices(): Promise<void>;
  /** serverStatus's reply (the server's counters). */
  status(): Document;
}

/** A reply document, or a reply already encoded as BSON (cursor batches). */
export type CommandReply = Document | Buffer;
/** A sliced write batch replies through a promise; every other command synchronously. */
export type CommandHandler = (
  command: Document,
  context: CommandContext,
) => CommandReply | Promise<CommandReply>;

export function commandName(command: Document): string {
  for (const key in command) return key;
  return '';
}

/** The collection a command targets: the string value of its first field. */
export function targetCollection(command: Document, name: string): string {
  const value = command[name];
  if (typeof value !== 'string') {
    throw new CommandError(
      ErrorCodes.InvalidNamespace,
      `collection name has invalid type ${value === null ? 'null' : typeof value}`,
    );
  }
  assertValidCollectionName(value);
  return value;
}

export function optionalDocument(command: Document, field: string): Document | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) {
    throw new CommandError(
      ErrorCodes.TypeMismatch,
      `BSON field '${commandName(command)}.${field}' is the wrong type '${Array.isArray(value) ? 'array' : typeof value}', expected type 'object'`,
    );
  }
  return value;
}

/** A list of documents: a plain array, or an OP_MSG document sequence decoded on access. */
export interface DocumentList {
  readonly length: number;
  at(index: number): unknown;
}

/** An array argument; an OP_MSG document sequence is accepted as such (insert/update/delete). */
export function requiredList(command: Document, field: string): DocumentList {
  const value = command[field];
  if (value instanceof DocumentSequence || Array.isArray(value)) return value;
  throw new CommandError(
    value === undefined ? ErrorCodes.FailedToParse : ErrorCodes.TypeMismatch,
    value === undefined
      ? `BSON field '${commandName(command)}.${field}' is missing but a required field`
      : `BSON field '${commandName(command)}.${field}' is the wrong type, expected type 'array'`,
  );
}

export function requiredArray(command: Document, field: string): unknown[] {
  const list = requiredList(command, field);
  return Array.isArray(list) ? list : [...(list as DocumentSequence)];
}

/** A non-negative integer argument (skip, limit, batchSize). */
export function optionalCount(command: Document, field: string): number | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  const number = toNumber(value);
  if (number === undefined || !Number.isFinite(number)) {
    throw new CommandError(
      ErrorCodes.TypeMismatch,
      `BSON field '${field}' is the wrong type, expected a number`,
    );
  }
  if (number < 0) {
    throw new CommandError(
      ErrorCodes.NegativeValue,
      `BSON field '${field}' value must be >= 0, actual value '${number}'`,
    );
  }
  return Math.trunc(number);
}

export function optionalBoolean(command: Document, field: string): boolean {
  return isTruthy(command[field]);
}

/**
 * Options that change how mingo evaluates: `let` variables (evaluated once, as MongoDB does:
 * `{ $literal: '$x' }` is the string '$x', `{ $add: [1, 2] }` is 3). A collation other than the
 * simple one is refused (collation.ts). `inherited` carries a command-level `let` into its
 * statements (delete and update filters, update pipelines).
 */
export function engineOptions(
  command: Document,
  inherited?: Document,
  where = commandName(command),
): EngineOptions {
  const options: EngineOptions = {};
  assertSimpleCollation(optionalDocument(command, 'collation'), where);
  const variables = inherited ?? commandVariables(command);
  if (variables) options.variables = variables;
  return options;
}

/** A command's `let`, its values evaluated; undefined without one. */
export function commandVariables(command: Document): Document | undefined {
  const variables = optionalDocument(command, 'let');
  return variables && evaluateVariables(variables);
}
