import * as z from 'zod';
import { ServiceError } from '../errors.ts';
import { Field, queryInteger } from '../input/field.ts';
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
 * Each rule is a Field (lib/input/field.ts): the zod schema that checks it is the one the OpenAPI
 * document shows.
 */

/** Absent, null and '' all count as not given (query strings and JSON bodies alike). */
export const isPresent = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

export const campaignIdField = new Field(
  z.string().min(1).max(MAX_CODE_LENGTH),
  'invalidCampaignId',
  'campaignId must be a non-empty string of at most 256 characters',
);
export const parseCampaignId = (value: unknown): string => campaignIdField.parse(value);

export const typeField = new Field(
  z.enum(CODE_TYPES),
  'invalidType',
  `type must be one of: ${CODE_TYPES.join(', ')}`,
);
export const parseType = (value: unknown): CodeType => typeField.parse(value);

export function parseRequiredType(value: unknown): CodeType {
  if (!isPresent(value)) throw new ServiceError('missingType', 'type is required');
  return parseType(value);
}

export const statusField = new Field(
  z.enum(CODE_STATUSES),
  'invalidStatus',
  `status must be one of: ${CODE_STATUSES.join(', ')}`,
);
export const parseOptionalStatus = (value: unknown): CodeStatus | undefined =>
  statusField.optional().parse(value);

export const countField = new Field(
  queryInteger(1, MAX_CODES_PER_REQUEST),
  'invalidCount',
  `count must be an integer from 1 to ${MAX_CODES_PER_REQUEST}`,
);
export const parseCount = (value: unknown): number => countField.parse(value);

export const reserveIdField = new Field(
  z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  'invalidReserveId',
  'reserveId must be 1-64 characters of A-Z, a-z, 0-9, _ and -',
);
export const parseReserveId = (value: unknown): string => reserveIdField.parse(value);

export const parseOptionalReserveId = (value: unknown): string | undefined =>
  reserveIdField.optional().parse(value);

/** One code: what a code list holds, and route 8's `code` lookup. */
export const codeSchema = z.string().min(1).max(MAX_CODE_LENGTH);

export const codesSchema = z.array(codeSchema).min(1).max(MAX_CODES_PER_REQUEST);

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
  const codes = codesSchema.safeParse(value);
  if (!codes.success) {
    throw new ServiceError('invalidCodesProp', 'codes must be an array of strings of 1-256 characters');
  }
  return codes.data;
}
