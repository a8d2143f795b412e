import { describe, expect, it } from 'vitest';
import { requireSupreme } from '../../../lib/auth/caller.ts';
import { parseCodes, parseCount, parseReserveId } from '../../../lib/codes/validation.ts';
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
    for (const bad of ['0', '50001', '1e3', ' 5', '0x10', '', 2.5, Number.NaN]) {
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
    expect(codeOf(() => parseCodes([]))).toBe('emptyCodes');
    expect(codeOf(() => parseCodes(['x'.repeat(256)]))).toBeUndefined();
    expect(codeOf(() => parseCodes(['x'.repeat(257)]))).toBe('invalidCodesProp');
  });

  it('requires a supreme caller', () => {
    expect(codeOf(() => requireSupreme({ isSupreme: false }))).toBe('supremeUserRequired');
    expect(codeOf(() => requireSupreme({ isSupreme: true }))).toBeUndefined();
  });
});
