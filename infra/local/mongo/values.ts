/**
 * Helpers for BSON values held in memory: canonical keys (for the `_id` map and index buckets),
 * deep copies, path resolution and integer parsing of command arguments.
 */
import { Binary, Decimal128, Double, Int32, Long, ObjectId, serialize, Timestamp } from 'bson';

export type Document = Record<string, unknown>;

/** True for `{...}` documents (not arrays, Dates, ObjectIds or other BSON value classes). */
export function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A query/update "operator object" such as `{ $gt: 1 }`: a document whose first key starts with `$`. */
export function isOperatorObject(value: unknown): value is Document {
  if (!isPlainObject(value)) return false;
  for (const key in value) return key.startsWith('$');
  return false;
}

/**
 * A string that is equal for two values exactly when MongoDB considers them the same key in an
 * index: numbers of any width compare by value (1, 1.0 and NumberLong(1) collide), embedded
 * documents compare field by field in order ({a,b} differs from {b,a}), strings exactly.
 * Every encoding is self-delimiting so that nested encodings cannot collide.
 */
export function valueKey(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return `n${value}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'z';
    case 'bigint':
      return numberLikeKey(value.toString());
    default:
      break;
  }
  if (value === null) return 'z';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + valueKey(value[i]);
    return `${out}]`;
  }
  if (isPlainObject(value)) {
    // Hot path (compound string _ids such as {campaign_id, code}): one native call gives the
    // exact same text as the general encoding below.
    if (allStringValues(value)) return JSON.stringify(value);
    let out = '{';
    let first = true;
    for (const key in value) {
      out += `${first ? '' : ','}${JSON.stringify(key)}:${valueKey(value[key])}`;
      first = false;
    }
    return `${out}}`;
  }
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof ObjectId) return `o${value.toHexString()}`;
  if (value instanceof Long) return numberLikeKey(value.toString());
  if (value instanceof RegExp) return `r${JSON.stringify(value.source)}${JSON.stringify(value.flags)}`;
  if (value instanceof Decimal128) return `D${JSON.stringify(value.toString())}`;
  if (value instanceof Binary) return `B${value.sub_type}:${Buffer.from(value.buffer).toString('base64')}`;
  if (value instanceof Timestamp) return `T${value.toString()}`;
  // Rare BSON types (Code, MinKey, MaxKey, DBRef...): their BSON bytes are a faithful identity.
  return `X${Buffer.from(serialize({ v: value })).toString('base64')}`;
}

function allStringValues(doc: Document): boolean {
  for (const key in doc) if (typeof doc[key] !== 'string') return false;
  return true;
}

/** Integral values outside the double-safe range keep their exact digits; the rest match plain numbers. */
function numberLikeKey(digits: string): string {
  const asNumber = Number(digits);
  return Number.isSafeInteger(asNumber) ? `n${asNumber}` : `L${digits}`;
}

/**
 * Deep copy of a stored document or value. Plain objects, arrays and Dates are copied; BSON value
 * classes (ObjectId, Long, Decimal128...) are immutable in practice and are shared, as mingo does.
 */
export function cloneValue<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => cloneValue(item)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlainObject(value)) {
    const out: Document = {};
    for (const key in value) out[key] = cloneValue(value[key]);
    return out as T;
  }
  if (value instanceof Binary) return new Binary(Buffer.from(value.buffer), value.sub_type) as T;
  return value;
}

/** Marker for "the path does not exist in this document". */
export const MISSING: unique symbol = Symbol('missing');
/** Marker for "the path crosses or ends at an array", which a hash bucket cannot represent. */
export const MULTIKEY: unique symbol = Symbol('multikey');

/**
 * Value at a dotted path for index maintenance. Returns MULTIKEY when an array is met on the
 * way (MongoDB would index every element; the embedded indexes keep such documents aside).
 */
export function indexPathValue(doc: Document, segments: readonly string[]): unknown {
  let current: unknown = doc;
  for (const segment of segments) {
    if (Array.isArray(current)) return MULTIKEY;
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return MISSING;
    current = current[segment];
  }
  if (Array.isArray(current)) return MULTIKEY;
  return current === undefined ? MISSING : current;
}

/** Reads a numeric command argument sent as int32, double or int64. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Int32 || value instanceof Double) return value.value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

/** MongoDB's notion of a truthy option flag (`true`, `1`, ...). */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  const asNumber = toNumber(value);
  if (asNumber !== undefined) return asNumber !== 0;
  return Boolean(value);
}

/**
 * The value of a filter that is exactly `{ _id: <plain value> }` (the shape of every importer
 * upsert), or undefined for any other filter.
 */
export function soleIdEquality(filter: Document): { value: unknown } | undefined {
  let count = 0;
  for (const _ in filter) if (++count > 1) return undefined;
  if (count !== 1 || !Object.hasOwn(filter, '_id')) return undefined;
  const id = filter._id;
  if (id === null || id === undefined || id instanceof RegExp || isOperatorObject(id)) return undefined;
  return { value: id };
}

/** Moves `_id` to the front, as mongod stores it. Returns the same object when already in place. */
export function withIdFirst(doc: Document): Document {
  for (const key in doc) {
    if (key === '_id') return doc;
    break;
  }
  if (!Object.hasOwn(doc, '_id')) return doc;
  const out: Document = { _id: doc._id };
  for (const key in doc) if (key !== '_id') out[key] = doc[key];
  return out;
}
