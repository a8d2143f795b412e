import { describe, expect, it } from 'vitest';
import { decodeS3EventKey, encodeS3EventKey } from '../../../infra/local/s3/key-encoding.ts';

describe('S3 event key encoding (form encoding, `/` kept)', () => {
  it.each([
    ['codes/camp-1/tm/file.csv', 'codes/camp-1/tm/file.csv'],
    ['red flower.jpg', 'red+flower.jpg'],
    ['codes/c/tm/a+b.csv', 'codes/c/tm/a%2Bb.csv'],
    ['something/dt=2018-05-04/_SUCCESS', 'something/dt%3D2018-05-04/_SUCCESS'],
    ['a@b', 'a%40b'],
    ['files/2017-11-15 14:22:21_file.csv', 'files/2017-11-15+14%3A22%3A21_file.csv'],
    ['codes/c/tm/copy (1).csv', 'codes/c/tm/copy+%281%29.csv'],
    ["it's!~*.csv", 'it%27s%21%7E*.csv'],
    ['codes/é/tm/ü.csv', 'codes/%C3%A9/tm/%C3%BC.csv'],
    ['100%.csv', '100%25.csv'],
  ])('%s → %s', (key, encoded) => {
    expect(encodeS3EventKey(key)).toBe(encoded);
    expect(decodeS3EventKey(encoded)).toBe(key);
  });
});
