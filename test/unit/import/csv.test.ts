import { describe, expect, it } from 'vitest';
import { CodeCsvReader, Utf8Validator } from '../../../lib/import/csv.ts';
import { ImportFailure } from '../../../lib/import/failure.ts';
import type { RejectedRow } from '../../../lib/import/model.ts';

interface Read {
  codes: string[];
  rejects: RejectedRow[];
  skipped: number;
  rows: number;
  failure: { reason: string; line: number | undefined; message: string } | undefined;
}

/** Runs the reader over the chunks as the importer does and collects what it hands on. */
async function read(chunks: (string | Uint8Array)[] | string, skipRows = 0): Promise<Read> {
  const out: Read = { codes: [], rejects: [], skipped: 0, rows: 0, failure: undefined };
  const reader = new CodeCsvReader(
    {
      accept: (code) => out.codes.push(code),
      reject: (row) => out.rejects.push(row),
      skip: () => out.skipped++,
    },
    skipRows,
  );
  try {
    for (const chunk of typeof chunks === 'string' ? [chunks] : chunks) {
      reader.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    }
    await reader.end();
  } catch (error) {
    if (!(error instanceof ImportFailure)) throw error;
    out.failure = { reason: error.reason, line: error.line, message: error.message };
  }
  out.rows = reader.rows;
  return out;
}

/** Deterministic "random" bytes (a linear congruential generator), so the test never flakes. */
function pseudoRandomBytes(length: number, seed = 42): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

describe('CodeCsvReader', () => {
  it('drops a BOM, reads CRLF lines and skips a header row', async () => {
    const result = await read('\uFEFFcode,comment\r\nA1,first\r\nB2,second\r\n');
    expect(result).toMatchObject({
      codes: ['A1', 'B2'],
      rejects: [],
      skipped: 0,
      rows: 3,
      failure: undefined,
    });
  });

  it('treats a first cell "code" in any case as a header, only on the first row', async () => {
    expect((await read(' Code \nA1\n')).codes).toEqual(['A1']);
    expect((await read('CODE\nA1\n')).codes).toEqual(['A1']);
    expect((await read('A1\ncode\n')).codes).toEqual(['A1', 'code']);
  });

  it('reads mixed \\n and \\r\\n line ends', async () => {
    expect((await read('A1\r\nB2\nC3\r\nD4')).codes).toEqual(['A1', 'B2', 'C3', 'D4']);
  });

  it('follows RFC 4180 quoting: commas, doubled quotes and line breaks inside fields', async () => {
    const result = await read('"A,1",x\n"B""2"\n"C\nD",y\nE5,"multi\nline other column"\nF6\n');
    expect(result.codes).toEqual(['A,1', 'B"2', 'E5', 'F6']);
    // A line break inside the code itself is a control character: rejected, at the line it starts on.
    expect(result.rejects).toEqual([{ line: 3, reason: 'controlCharacter', value: 'C\nD' }]);
  });

  it('skips blank lines silently and counts whitespace-only rows and empty first cells as skipped', async () => {
    const result = await read('A1\n\n   \n\t\n,second column only\n"",x\nB2\n\n');
    expect(result.codes).toEqual(['A1', 'B2']);
    expect(result.skipped).toBe(4);
    expect(result.rejects).toEqual([]);
  });

  it('trims padded codes, quoted or not', async () => {
    expect((await read('  A1  \n"  B2 "\n\u00a0C3\u00a0,x\n')).codes).toEqual(['A1', 'B2', 'C3']);
  });

  it('hands on repeats as they come (the batch collapses them)', async () => {
    expect((await read('A1\nA1\nB2\nA1\n')).codes).toEqual(['A1', 'A1', 'B2', 'A1']);
  });

  it('accepts 256 characters and rejects 257, with line and reason', async () => {
    const ok = 'x'.repeat(256);
    const long = 'y'.repeat(257);
    const result = await read(`code\n${ok}\n${long}\nA1\n`);
    expect(result.codes).toEqual([ok, 'A1']);
    expect(result.rejects).toEqual([{ line: 3, reason: 'tooLong', value: long }]);
  });

  it('keeps at most 300 characters of a rejected value', async () => {
    const result = await read(`${'z'.repeat(5000)}\n`);
    expect(result.rejects).toEqual([{ line: 1, reason: 'tooLong', value: 'z'.repeat(300) }]);
  });

  it('rejects codes holding control characters (C0, DEL, C1, tab) and goes on', async () => {
    const result = await read('A\u0001B\nA\u007fB\nA\u0085B\n"A\tB"\nOK1\nA\u0000B\n');
    expect(result.codes).toEqual(['OK1']);
    expect(result.rejects.map((r) => [r.line, r.reason])).toEqual([
      [1, 'controlCharacter'],
      [2, 'controlCharacter'],
      [3, 'controlCharacter'],
      [4, 'controlCharacter'],
      [6, 'controlCharacter'],
    ]);
  });

  it('keeps a stray quote inside an unquoted field as a character', async () => {
    expect((await read('ab"c\n"x"y\nB2\n')).codes).toEqual(['ab"c', '"x"y', 'B2']);
  });

  it('fails on an unbalanced quote, naming where it opened, after the rows before it', async () => {
    const result = await read('A1\nB2\n"C3\nD4\nE5\n');
    expect(result.codes).toEqual(['A1', 'B2']);
    expect(result.failure).toEqual({
      reason: 'malformedCsv',
      line: 3,
      message: 'A quoted field opened at or after line 3 is never closed (or a row exceeds 1048576 bytes)',
    });
  });

  it('fails a zero-byte file as empty', async () => {
    expect((await read([])).failure).toMatchObject({ reason: 'emptyFile', message: 'The file is empty' });
  });

  it('reads a header-only file as a file without codes', async () => {
    expect(await read('code\r\n')).toEqual({
      codes: [],
      rejects: [],
      skipped: 0,
      rows: 1,
      failure: undefined,
    });
  });

  it('fails a binary file as not UTF-8 before handing anything on', async () => {
    const result = await read([pseudoRandomBytes(64 * 1024)]);
    expect(result.failure?.reason).toBe('invalidEncoding');
    expect(result.codes).toEqual([]);
  });

  it('fails a Latin-1 file as not UTF-8, at the line of the first bad byte', async () => {
    const latin1 = Buffer.from('code\nA1\ncaf\xe9\nB2\n', 'latin1');
    const result = await read([latin1]);
    expect(result.failure).toEqual({
      reason: 'invalidEncoding',
      line: 3,
      message: 'The file is not valid UTF-8 (byte 11, line 3)',
    });
  });

  it('reads a character split between two chunks', async () => {
    const bytes = Buffer.from('café\nnaïve\n', 'utf8');
    const chunks = [bytes.subarray(0, 4), bytes.subarray(4, 8), bytes.subarray(8)];
    expect((await read(chunks)).codes).toEqual(['café', 'naïve']);
  });

  it('fails a file that ends inside a character', async () => {
    expect((await read([Buffer.from([0x41, 0x0a, 0x42, 0xc3])])).failure).toEqual({
      reason: 'invalidEncoding',
      line: undefined,
      message: 'The file is not valid UTF-8: it ends inside a character',
    });
  });

  it('skips the rows an earlier attempt committed, keeping row and line numbers', async () => {
    const result = await read('code\nA1\nB2\n"C\n3"\nD4\n', 3);
    expect(result.codes).toEqual(['D4']);
    expect(result.rejects).toEqual([{ line: 4, reason: 'controlCharacter', value: 'C\n3' }]);
    expect(result.rows).toBe(5);
  });

  it('fails a row larger than 1 MiB (an unclosed quote swallowing the file) without holding it', async () => {
    const result = await read(['A1\n', `"${'x'.repeat(1024 * 1024 + 10)}\nB2\n`]);
    expect(result.codes).toEqual(['A1']);
    expect(result.failure?.reason).toBe('malformedCsv');
  });
});

describe('Utf8Validator', () => {
  it('accepts valid UTF-8 split anywhere and reports the first invalid byte', () => {
    const text = Buffer.from('a€b🎟c', 'utf8');
    for (let cut = 0; cut <= text.length; cut++) {
      const validator = new Utf8Validator();
      expect(validator.check(text.subarray(0, cut))).toBeUndefined();
      expect(validator.check(text.subarray(cut))).toBeUndefined();
      expect(validator.hasIncompleteTail()).toBe(false);
    }
    expect(new Utf8Validator().check(Buffer.from([0x61, 0x62, 0xff, 0x63]))).toBe(2);
    expect(new Utf8Validator().check(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // a UTF-16 surrogate
    // Past several multi-byte characters (prefixes ending inside one are still valid prefixes).
    expect(new Utf8Validator().check(Buffer.concat([Buffer.from('ééé'), Buffer.from([0xff, 0x61])]))).toBe(6);
    expect(new Utf8Validator().check(Buffer.concat([Buffer.from('éé'), Buffer.from([0xff, 0x61])]))).toBe(4);
    // C0 and C1 start no character: invalid at once, even as a chunk's last byte.
    expect(new Utf8Validator().check(Buffer.from([0x61, 0xc0]))).toBe(1);
    expect(new Utf8Validator().check(Buffer.from([0x61, 0xc1]))).toBe(1);
  });
});

describe('CodeCsvReader at the edges (mutation testing found these untested)', () => {
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(
      parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))),
    );

  it('drops a BOM before a quoted first cell, header or code', async () => {
    expect(await read('\uFEFF"code",x\n"A1"\n')).toMatchObject({
      codes: ['A1'],
      rows: 2,
      failure: undefined,
    });
    expect((await read('\uFEFF"A1",x\nB2\n')).codes).toEqual(['A1', 'B2']);
  });

  it('reads a 3-byte character starting with E0 split after its first or second byte', async () => {
    const text = bytes('A\u0800B\n\u0800\n'); // U+0800 is E0 A0 80
    for (const cut of [2, 3]) {
      expect((await read([text.subarray(0, cut), text.subarray(cut)])).codes).toEqual(['A\u0800B', '\u0800']);
    }
  });

  it('validates the chunk that completes a split character: a bad byte later in it fails, at its byte and line', async () => {
    // Lines: "A", "é", "B<FF>": the FF is byte 6 of the file (0-based), on line 3.
    const result = await read([bytes('A\n', [0xc3]), bytes([0xa9], '\nB', [0xff], '\n')]);
    expect(result.failure).toEqual({
      reason: 'invalidEncoding',
      line: 3,
      message: 'The file is not valid UTF-8 (byte 6, line 3)',
    });
  });

  it('names the start of a character begun in the previous chunk when its continuation is bad', async () => {
    // E2 82 starts "€" at byte 4 on line 2; the next chunk goes on with "X" instead of its last byte.
    const result = await read([bytes('code\nA', [0xe2, 0x82]), bytes('X\n')]);
    expect(result.failure).toEqual({
      reason: 'invalidEncoding',
      line: 2,
      message: 'The file is not valid UTF-8 (byte 6, line 2)',
    });
  });

  it('counts the lines of every earlier chunk, however the parser buffers them', async () => {
    const result = await read(['A1\nB', '2\nC3\n', bytes('D', [0xff], '\n')]);
    expect(result.failure).toEqual({
      reason: 'invalidEncoding',
      line: 4,
      message: 'The file is not valid UTF-8 (byte 10, line 4)',
    });
  });

  it('reads a 2-byte character starting with C2 split across chunks', async () => {
    const text = bytes('\u00a9\n'); // C2 A9
    expect((await read([text.subarray(0, 1), text.subarray(1)])).codes).toEqual(['\u00a9']);
  });

  it('ends the import at an unquoted row over 1 MiB: nothing after it is read, the first such row is named', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    const result = await read(['A1\n', `${big}\nB2\n${big}\nC3\n`]);
    expect(result.codes).toEqual(['A1']);
    expect(result.failure).toEqual({
      reason: 'malformedCsv',
      line: 2,
      message: 'A quoted field opened at or after line 2 is never closed (or a row exceeds 1048576 bytes)',
    });
  });

  it('has no per-row parser errors: odd quoting and ragged rows are read, not rejected', async () => {
    const result = await read('A1\n"a"b\n"c" ,x\nd"e"\n,,,,\nB2,1,2,3\n');
    expect(result.codes).toEqual(['A1', '"a"b', '"c"', 'd"e"', 'B2']);
    expect(result.rejects).toEqual([]);
    expect(result.skipped).toBe(1);
  });
});
