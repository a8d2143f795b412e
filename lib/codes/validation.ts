import { ServiceError } from '../errors.ts';
import {
  CODE_STATUSES,
  CODE_TYPES,
  type CodeStatus,
  type CodeType,
  MAX_CODE_LENGTH,
  MAX_CODES_PER_REQUEST,
} from './model.ts';

/**
 * Input rules of SPEC §4, each failing with its fixed error code (clients match on them). Inputs
 * are `unknown`: they come from query strings and parsed JSON, and are trusted only once through
 * here — in particular, codes are plain strings, so no query operator can reach the database.
 */

/** Who is calling, as the authorizer established it. */
export interface Caller {
  sub?: string | undefined;
  isSupreme: boolean;
}

/** Checked before any other validation (SPEC §3). */
export function requireSupreme(caller: Caller): void {
  if (!caller.isSupreme) {
    throw new ServiceError('supremeUserRequired', 'This operation requires a supreme user', 'unauthorized');
  }
}

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

export function parseType(value: unknown): CodeType {
  if (typeof value !== 'string' || !(CODE_TYPES as readonly string[]).includes(value)) {
    throw new ServiceError('invalidType', `type must be one of: ${CODE_TYPES.join(', ')}`);
  }
  return value as CodeType;
}

export function parseRequiredType(value: unknown): CodeType {
  if (!isPresent(value)) throw new ServiceError('missingType', 'type is required');
  return parseType(value);
}

export function parseOptionalStatus(value: unknown): CodeStatus | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(CODE_STATUSES as readonly string[]).includes(value)) {
    throw new ServiceError('invalidStatus', `status must be one of: ${CODE_STATUSES.join(', ')}`);
  }
  return value as CodeStatus;
}

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
