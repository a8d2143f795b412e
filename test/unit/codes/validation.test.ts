import { describe, expect, it } from 'vitest';
import { requireSupreme } from '../../../lib/auth/caller.ts';
import {
  isPresent,
  parseCampaignId,
  parseCodes,
  parseCount,
  parseOptionalReserveId,
  parseOptionalStatus,
  parseRequiredType,
  parseReserveId,
  parseType,
} from '../../../lib/codes/validation.ts';
import { ServiceError } from '../../../lib/errors.ts';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof ServiceError ? error.code : 'not a ServiceError';
  }
};

describe('validation rules', () => {
  it('accepts counts from 1 to 50000 given as strings or numbers', () => {
    expect(parseCount('1')).toBe(1);
    expect(parseCount('50000')).toBe(50_000);
    expect(parseCount(7)).toBe(7);
    for (const bad of ['0', '50001', '1e3', ' 5', '0x10', '', 2.5, Number.NaN, ['5'], true]) {
      expect(codeOf(() => parseCount(bad))).toBe('invalidCount');
    }
  });

  it('accepts reserveIds of 1-64 [A-Za-z0-9_-]', () => {
    expect(parseReserveId('a')).toBe('a');
    expect(parseReserveId(`A_z-9${'x'.repeat(59)}`)).toHaveLength(64);
    for (const bad of ['', 'x'.repeat(65), 'a.b', 'é', 12])
      expect(codeOf(() => parseReserveId(bad))).toBe('invalidReserveId');
  });

  it('checks codes in the documented order', () => {
    expect(codeOf(() => parseCodes(undefined))).toBe('missingCodes');
    expect(codeOf(() => parseCodes(null))).toBe('missingCodes');
    expect(codeOf(() => parseCodes({}))).toBe('invalidCodesProp');
    // Not an array comes before its length: an empty or very long string is no list of codes.
    expect(codeOf(() => parseCodes(''))).toBe('invalidCodesProp');
    expect(codeOf(() => parseCodes('x'.repeat(50_001)))).toBe('invalidCodesProp');
    expect(codeOf(() => parseCodes([]))).toBe('emptyCodes');
    expect(codeOf(() => parseCodes(['x'.repeat(256)]))).toBeUndefined();
    expect(codeOf(() => parseCodes(['x'.repeat(257)]))).toBe('invalidCodesProp');
  });

  it('requires a supreme caller', () => {
    expect(codeOf(() => requireSupreme({ isSupreme: false }))).toBe('supremeUserRequired');
    expect(codeOf(() => requireSupreme({ isSupreme: true }))).toBeUndefined();
  });

  it('says what is wrong: each rule has its message', () => {
    const messageOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return `${(error as ServiceError).code}: ${(error as Error).message}`;
      }
    };
    expect(messageOf(() => parseCampaignId(''))).toBe(
      'invalidCampaignId: campaignId must be a non-empty string of at most 256 characters',
    );
    expect(messageOf(() => parseCampaignId(7))).toMatch(/^invalidCampaignId/);
    expect(messageOf(() => parseType('vip'))).toBe('invalidType: type must be one of: tm, external');
    expect(messageOf(() => parseType(1))).toMatch(/^invalidType/);
    expect(messageOf(() => parseRequiredType(''))).toBe('missingType: type is required');
    expect(messageOf(() => parseOptionalStatus('gone'))).toBe(
      'invalidStatus: status must be one of: available, reserved, assigned',
    );
    expect(messageOf(() => parseCount('0'))).toBe('invalidCount: count must be an integer from 1 to 50000');
    expect(messageOf(() => parseReserveId('a b'))).toBe(
      'invalidReserveId: reserveId must be 1-64 characters of A-Z, a-z, 0-9, _ and -',
    );
    expect(messageOf(() => parseCodes(undefined))).toBe('missingCodes: codes is required');
    expect(messageOf(() => parseCodes('x'))).toBe(
      'invalidCodesProp: codes must be an array of strings of 1-256 characters',
    );
    expect(messageOf(() => parseCodes([]))).toBe('emptyCodes: codes must not be empty');
    expect(messageOf(() => parseCodes(new Array(50_001).fill('c')))).toBe(
      'tooManyCodes: at most 50000 codes per request',
    );
    expect(messageOf(() => parseCodes(['ok', 5]))).toBe(
      'invalidCodesProp: codes must be an array of strings of 1-256 characters',
    );
    expect(messageOf(() => parseCodes(['']))).toMatch(/^invalidCodesProp/);
  });

  it('takes exactly what it allows', () => {
    expect(parseCampaignId('c'.repeat(256))).toHaveLength(256);
    expect(parseType('external')).toBe('external');
    expect(parseRequiredType('tm')).toBe('tm');
    expect(parseOptionalStatus(undefined)).toBeUndefined();
    expect(parseOptionalStatus('assigned')).toBe('assigned');
    expect(parseOptionalReserveId(undefined)).toBeUndefined();
    expect(parseOptionalReserveId('r-1')).toBe('r-1');
    expect(parseCodes(new Array(50_000).fill('c'))).toHaveLength(50_000);
    expect([undefined, null, ''].map(isPresent)).toEqual([false, false, false]);
    expect([0, false, ' ', 'x', []].map(isPresent)).toEqual([true, true, true, true, true]);
  });
});
