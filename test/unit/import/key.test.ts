import { describe, expect, it } from 'vitest';
import { encodeS3EventKey } from '../../../infra/local/s3/key-encoding.ts';
import { ServiceError } from '../../../lib/errors.ts';
import { campaignOfKey, decodeEventKey, parseFileKey } from '../../../lib/import/key.ts';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof ServiceError ? error.code : `not a ServiceError: ${String(error)}`;
  }
};

describe('parseFileKey', () => {
  it('splits codes/<campaignId>/<type>/<name>', () => {
    expect(parseFileKey('codes/camp-1/tm/batch 1 (final).csv')).toEqual({
      key: 'codes/camp-1/tm/batch 1 (final).csv',
      campaignId: 'camp-1',
      type: 'tm',
      name: 'batch 1 (final).csv',
    });
    expect(parseFileKey('codes/ünï/external/a+b.csv').type).toBe('external');
    // Exactly 1 024 bytes is still a key S3 accepts.
    const longest = `codes/c/tm/${'n'.repeat(1024 - 'codes/c/tm/'.length)}`;
    expect(parseFileKey(longest).name).toHaveLength(1013);
  });

  it.each([
    ['too few segments', 'codes/camp-1/tm'],
    ['too many segments', 'codes/camp-1/tm/sub/file.csv'],
    ['another prefix', 'other/camp-1/tm/file.csv'],
    ['an empty campaign', 'codes//tm/file.csv'],
    ['an empty name', 'codes/camp-1/tm/'],
    ['a .. segment', 'codes/../tm/file.csv'],
    ['a . name', 'codes/camp-1/tm/.'],
    ['a leading slash', '/codes/camp-1/tm/file.csv'],
    ['not a string', 42],
    ['a campaign over 256 characters', `codes/${'c'.repeat(257)}/tm/file.csv`],
    // 528 characters but 1 038 bytes of UTF-8: S3's limit is in bytes.
    ['a key over 1 024 UTF-8 bytes', `codes/c/tm/${'é'.repeat(510)}.csv`],
    ['a NUL', 'codes/camp-1/tm/a\u0000b.csv'],
    ['a line break', 'codes/camp-1/tm/a\nb.csv'],
    ['a C1 control character', 'codes/camp-1/tm/a\u0085b.csv'],
    ['a lone surrogate (no UTF-8 form)', 'codes/camp-1/tm/a\ud800b.csv'],
  ])('rejects %s with invalidFileKey', (_, key) => {
    expect(codeOf(() => parseFileKey(key))).toBe('invalidFileKey');
  });

  it('takes a campaign of 256 characters', () => {
    expect(parseFileKey(`codes/${'c'.repeat(256)}/tm/f.csv`).campaignId).toHaveLength(256);
  });

  it('says what is wrong with a key', () => {
    const messageOf = (key: unknown) => {
      try {
        parseFileKey(key);
      } catch (error) {
        return (error as Error).message;
      }
    };
    const layout = 'fileKey must look like codes/<campaignId>/<type>/<name>';
    expect(messageOf(7)).toBe(`${layout} (a string)`);
    expect(messageOf('codes/./tm/f.csv')).toBe(layout);
    expect(messageOf(`codes/${'c'.repeat(257)}/tm/f.csv`)).toBe(`${layout}: campaignId too long`);
    expect(messageOf('codes/c/vip/f.csv')).toBe('the type folder must be one of: tm, external');
  });

  it('rejects an unknown type folder with invalidType', () => {
    expect(codeOf(() => parseFileKey('codes/camp-1/vip/file.csv'))).toBe('invalidType');
    expect(codeOf(() => parseFileKey('codes/camp-1/TM/file.csv'))).toBe('invalidType');
  });
});

describe('campaignOfKey', () => {
  it('names the campaign of an unusable key when the key names one', () => {
    expect(campaignOfKey('codes/camp-1/vip/file.csv')).toBe('camp-1');
    expect(campaignOfKey('codes/camp-1/tm/a/b.csv')).toBe('camp-1');
    expect(campaignOfKey('codes/../tm/file.csv')).toBeUndefined();
    expect(campaignOfKey('other/camp-1/tm/file.csv')).toBeUndefined();
    expect(campaignOfKey('codes')).toBeUndefined();
  });
});

describe('decodeEventKey', () => {
  it('reads + as a space, then percent-decodes', () => {
    expect(decodeEventKey('codes/c1/tm/my+file.csv')).toBe('codes/c1/tm/my file.csv');
    expect(decodeEventKey('codes/c1/tm/a%2Bb.csv')).toBe('codes/c1/tm/a+b.csv');
    expect(decodeEventKey('codes/c1/tm/%28v2%29+%C3%A9t%C3%A9.csv')).toBe('codes/c1/tm/(v2) été.csv');
    expect(decodeEventKey('codes/c1/tm/(v2).csv')).toBe('codes/c1/tm/(v2).csv');
  });

  it.each([
    'codes/c1/tm/plain.csv',
    'codes/c1/tm/with space.csv',
    'codes/c1/tm/a+b=c&d.csv',
    'codes/c1/tm/ünïcødé 🎟.csv',
    "codes/c1/tm/(paren)!'~*.csv",
    'codes/c1/tm/100%.csv',
  ])('round-trips the encoding S3 applies to %s', (key) => {
    expect(decodeEventKey(encodeS3EventKey(key))).toBe(key);
  });

  it('rejects a key that is not validly encoded', () => {
    expect(codeOf(() => decodeEventKey('codes/c1/tm/%E0%A4%A.csv'))).toBe('invalidFileKey');
    expect(() => decodeEventKey('%')).toThrow('the object key in the event is not validly URL-encoded');
  });
});
