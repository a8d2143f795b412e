import { describe, expect, it } from 'vitest';
import { IMPORT_ID_PATTERN, importIdOf, isFinal } from '../../../lib/import/model.ts';

describe('importIdOf', () => {
  const object = { bucket: 'b', key: 'codes/c1/tm/f.csv', eTag: 'abc' };

  it('is 32 hex characters, the same for every delivery of one object version', () => {
    const id = importIdOf(object);
    expect(id).toMatch(IMPORT_ID_PATTERN);
    expect(importIdOf({ ...object })).toBe(id);
    // sha256("b\ncodes/c1/tm/f.csv\nabc"), first 32 hex digits: pinned so ids never change silently.
    expect(id).toBe('10f3ccd54316f3b7c619a773a060b744');
  });

  it('differs by bucket, key and version', () => {
    const id = importIdOf(object);
    expect(importIdOf({ ...object, bucket: 'b2' })).not.toBe(id);
    expect(importIdOf({ ...object, key: 'codes/c1/tm/g.csv' })).not.toBe(id);
    expect(importIdOf({ ...object, eTag: 'abd' })).not.toBe(id);
  });

  it('prefers the version id, except the shared "null" version', () => {
    const versioned = importIdOf({ ...object, versionId: 'v1' });
    expect(versioned).not.toBe(importIdOf(object));
    expect(importIdOf({ ...object, eTag: 'other', versionId: 'v1' })).toBe(versioned);
    expect(importIdOf({ ...object, versionId: 'null' })).toBe(importIdOf(object));
    // Neither: the object's bucket and key alone (sha256("b\ncodes/c1/tm/f.csv\n")).
    expect(importIdOf({ bucket: 'b', key: object.key })).toBe('5638a349a9db2c89546df02e537fe28e');
  });
});

describe('isFinal', () => {
  it('is true for succeeded imports and permanent failures only', () => {
    expect(isFinal({ status: 'succeeded' })).toBe(true);
    expect(isFinal({ status: 'running' })).toBe(false);
    const error = { reason: 'emptyFile', message: 'x', at: new Date() } as const;
    expect(isFinal({ status: 'failed', error: { ...error, retryable: false } })).toBe(true);
    expect(isFinal({ status: 'failed', error: { ...error, reason: 'internal', retryable: true } })).toBe(
      false,
    );
  });

  it('goes by the status first: a running record is not final whatever error it still holds', () => {
    const permanent = { reason: 'emptyFile', message: 'x', retryable: false, at: new Date() } as const;
    expect(isFinal({ status: 'running', error: permanent })).toBe(false);
    // A failed record without its error (written by hand, say) is retried, not read as final.
    expect(isFinal({ status: 'failed' })).toBe(false);
  });
});
