/**
 * Server errors with the codes and messages mongod uses, so that drivers and callers matching on
 * `code`/`codeName` behave exactly as they would against a real server.
 */
import { Binary, Decimal128, Long, ObjectId, Timestamp } from 'bson';
import { type Document, isPlainObject } from './values.ts';

export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  Unauthorized: 13,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  NotSingleValueField: 54,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  CommandNotSupported: 115,
  InvalidIndexSpecificationOption: 197,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  UnrecognizedPipelineStage: 40324,
  OpMsgMissingDb: 40571,
  NegativeValue: 51024,
} as const;

const CODE_NAMES: Record<number, string> = {
  1: 'InternalError',
  2: 'BadValue',
  9: 'FailedToParse',
  13: 'Unauthorized',
  14: 'TypeMismatch',
  20: 'IllegalOperation',
  26: 'NamespaceNotFound',
  27: 'IndexNotFound',
  40: 'ConflictingUpdateOperators',
  43: 'CursorNotFound',
  48: 'NamespaceExists',
  53: 'InvalidIdField',
  54: 'NotSingleValueField',
  59: 'CommandNotFound',
  66: 'ImmutableField',
  67: 'CannotCreateIndex',
  72: 'InvalidOptions',
  73: 'InvalidNamespace',
  85: 'IndexOptionsConflict',
  86: 'IndexKeySpecsConflict',
  115: 'CommandNotSupported',
  197: 'InvalidIndexSpecificationOption',
  10334: 'BSONObjectTooLarge',
  11000: 'DuplicateKey',
};

/** mongod names codes without a symbolic name `Location<code>`. */
export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `Location${code}`;
}

/** An error that becomes `{ ok: 0, errmsg, code, codeName, ...extra }` (or a write error entry). */
export class CommandError extends Error {
  readonly code: number;
  readonly extra: Document;

  constructor(code: number, message: string, extra: Document = {}) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
    this.extra = extra;
  }

  toReply(): Document {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: codeName(this.code), ...this.extra };
  }

  /** The shape of one entry of `writeErrors` in insert/update/delete replies. */
  toWriteError(index: number): Document {
    return { index, code: this.code, errmsg: this.message, ...this.extra };
  }
}

/**
 * E11000 exactly as mongod words it, e.g.
 * `E11000 duplicate key error collection: db.codes index: _id_ dup key: { _id: "a" }`,
 * with `keyPattern` and `keyValue` that drivers surface on MongoServerError.
 */
export function duplicateKeyError(
  namespace: string,
  indexName: string,
  keyPattern: Document,
  keyValue: Document,
): CommandError {
  const shown = Object.entries(keyValue)
    .map(([field, value]) => `${field}: ${formatValue(value)}`)
    .join(', ');
  return new CommandError(
    ErrorCodes.DuplicateKey,
    `E11000 duplicate key error collection: ${namespace} index: ${indexName} dup key: { ${shown} }`,
    { keyPattern, keyValue },
  );
}

/** Renders a value the way mongod's BSONObj::toString does inside error messages. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (value instanceof Long) return value.toString();
  if (value instanceof Decimal128) return `NumberDecimal("${value.toString()}")`;
  if (value instanceof Timestamp) return `Timestamp(${value.high}, ${value.low})`;
  if (value instanceof Binary) {
    return `BinData(${value.sub_type}, ${Buffer.from(value.buffer).toString('hex')})`;
  }
  if (value instanceof RegExp) return `/${value.source}/${value.flags}`;
  if (Array.isArray(value)) return value.length ? `[ ${value.map(formatValue).join(', ')} ]` : '[]';
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (!entries.length) return '{}';
    return `{ ${entries.map(([k, v]) => `${k}: ${formatValue(v)}`).join(', ')} }`;
  }
  return String(value);
}

/** Errors thrown by mingo (bad operators, bad expressions) surface as BadValue like mongod's parse errors. */
export function toCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  if (error instanceof Error) {
    if (error.constructor.name === 'MingoError') {
      if (/immutable field/.test(error.message)) {
        return new CommandError(ErrorCodes.ImmutableField, error.message);
      }
      if (/would create a conflict/.test(error.message)) {
        return new CommandError(ErrorCodes.ConflictingUpdateOperators, error.message);
      }
      if (/unregistered pipeline operator/.test(error.message)) {
        const stage = /operator (\$\w+)/.exec(error.message)?.[1] ?? '';
        return new CommandError(
          ErrorCodes.UnrecognizedPipelineStage,
          `Unrecognized pipeline stage name: '${stage}'`,
        );
      }
      return new CommandError(ErrorCodes.BadValue, error.message);
    }
    return new CommandError(ErrorCodes.InternalError, error.message);
  }
  return new CommandError(ErrorCodes.InternalError, String(error));
}
