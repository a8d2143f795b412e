import { type ErrorCode, ServiceError } from '../errors.ts';
import {
  CODE_STATUSES,
  CODE_TYPES,
  type CodeStatus,
  type CodeType,
  MAX_CODE_LENGTH,
  MAX_CODES_PER_REQUEST,
} from './model.ts';

/**
 * Input rules of contract §4, each failing with its fixed error code (clients match on them). Inputs
 * are `unknown`: they come from query strings and parsed JSON, and are trusted only once through
 * here — in particular, codes are plain strings, so no query operator can reach the database.
 */

/** Absent, null and '' all count as not given (query strings and JSON bodies alike). */
export const isPresent = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

export function parseCampaignId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CODE_LENGTH) {
    throw new ServiceError(
      'invalidCampaignId',
      'campaignId must be a non-empty string of at most 256 characters',
    );
  }
  return value;
}

/** One of a fixed list of values, else the given error code. */
function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string, code: ErrorCode): T {
  // Stryker disable next-line ConditionalExpression: a non-string is never in the list either (the typeof narrows the type)
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ServiceError(code, `${what} must be one of: ${allowed.join(', ')}`);
  }
  return value as T;
}

export const parseType = (value: unknown): CodeType => oneOf(value, CODE_TYPES, 'type', 'invalidType');

export function parseRequiredType(value: unknown): CodeType {
  if (!isPresent(value)) throw new ServiceError('missingType', 'type is required');
  return parseType(value);
}

export const parseOptionalStatus = (value: unknown): CodeStatus | undefined =>
  value === undefined ? undefined : oneOf(value, CODE_STATUSES, 'status', 'invalidStatus');

const INTEGER = /^[0-9]+$/;

export function parseCount(value: unknown): number {
  const count =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && INTEGER.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_CODES_PER_REQUEST) {
    throw new ServiceError('invalidCount', `count must be an integer from 1 to ${MAX_CODES_PER_REQUEST}`);
  }
  return count;
}

const RESERVE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseReserveId(value: unknown): string {
  if (typeof value !== 'string' || !RESERVE_ID.test(value)) {
    throw new ServiceError('invalidReserveId', 'reserveId must be 1-64 characters of A-Z, a-z, 0-9, _ and -');
  }
  return value;
}

export function parseOptionalReserveId(value: unknown): string | undefined {
  return value === undefined ? undefined : parseReserveId(value);
}

/** A list of codes in a request body: present, an array, not empty, not too long, all valid strings. */
export function parseCodes(value: unknown): string[] {
  if (value === undefined || value === null) throw new ServiceError('missingCodes', 'codes is required');
  if (!Array.isArray(value)) {
    throw new ServiceError('invalidCodesProp', 'codes must be an array of strings of 1-256 characters');
  }
  if (value.length === 0) throw new ServiceError('emptyCodes', 'codes must not be empty');
  if (value.length > MAX_CODES_PER_REQUEST) {
    throw new ServiceError('tooManyCodes', `at most ${MAX_CODES_PER_REQUEST} codes per request`);
  }
  for (const code of value) {
    if (typeof code !== 'string' || code.length === 0 || code.length > MAX_CODE_LENGTH) {
      throw new ServiceError('invalidCodesProp', 'codes must be an array of strings of 1-256 characters');
    }
  }
  return value as string[];
}
