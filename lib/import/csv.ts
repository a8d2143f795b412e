import { isUtf8 } from 'node:buffer';
import { type Options, type Parser, parse } from 'csv-parse';
import { CONTROL_CHARACTER, MAX_CODE_LENGTH } from '../codes/model.ts';
import { ImportFailure } from './failure.ts';
import type { RejectedRow } from './model.ts';

/**
 * The CSV rules of contract §5, applied while streaming: UTF-8 (a BOM is dropped), comma-separated,
 * RFC 4180 quoting, `\n` or `\r\n` line ends (even mixed). The code is the first cell, trimmed;
 * other cells are ignored; empty lines and empty first cells are skipped; a first row whose
 * first cell is `code` (any case) is a header. A code over 256 characters or holding a control
 * character is rejected; the import goes on.
 *
 * Two things end the import instead, because what follows them cannot be read as intended: bytes
 * that are not UTF-8 (another encoding or a binary file would otherwise import mangled codes) and
 * a quote that is never closed (it swallows the rest of the file into one field).
 */
export interface CodeRowSink {
  accept(code: string): void;
  reject(row: RejectedRow): void;
  /** A row with an empty first cell. */
  skip(): void;
}

/** A reject keeps this much of the offending value: enough to find it, not a whole swallowed file. */
const SAMPLE_VALUE_LENGTH = 300;
/**
 * A row larger than this is not a row of codes: in practice a quote opened and never closed,
 * swallowing the file. Bounding it keeps memory flat whatever the file holds.
 */
const MAX_ROW_BYTES = 1024 * 1024;

/**
 * Tuned: no `info`, `columns` or `on_record` (each builds an object per record, ~4× slower); the
 * records come from 'data' events, which csv-parse emits synchronously inside write(). Quotes
 * inside an unquoted field are kept as characters (`relax_quotes`) rather than swallowing rows.
 */
export const CSV_OPTIONS: Options = {
  bom: true,
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  skip_records_with_error: true,
  record_delimiter: ['\r\n', '\n'],
  max_record_size: MAX_ROW_BYTES,
};

export class CodeCsvReader {
  /** CSV records read so far (the header and every kind of row included). */
  rows = 0;
  /** The line the last record ended on. */
  lastLine = 0;
  /** Bytes of the file up to the end of the last record (its line break included). */
  lastByte = 0;
  bytes = 0;
  /** Line breaks in the bytes written so far (the parser holds back a chunk's last bytes, so its count lags). */
  private lineBreaks = 0;
  private readonly parser: Parser;
  private readonly utf8 = new Utf8Validator();
  private failure: ImportFailure | undefined;
  private readonly ended: Promise<void>;

  /**
   * @param skipRows records an earlier attempt already committed: read again (CSV cannot be
   *   entered in the middle) but not handed to the sink.
   */
  constructor(
    private readonly sink: CodeRowSink,
    private readonly skipRows = 0,
  ) {
    this.parser = parse(CSV_OPTIONS);
    this.parser.on('data', this.onRecord);
    this.parser.on('skip', this.onParseError);
    this.ended = new Promise((resolve, reject) => {
      this.parser.on('end', resolve);
      // Stryker disable next-line StringLiteral: with skip_records_with_error csv-parse reports its errors as 'skip' (onParseError); 'error' is wired for anything else it may emit
      this.parser.on('error', reject);
    });
    // Awaited in end(); until then an error must not count as unhandled.
    this.ended.catch(() => undefined);
  }

  /** Feeds the next chunk of the file; the sink sees its complete rows before this returns. */
  write(chunk: Uint8Array): void {
    this.throwIfFailed();
    const invalidAt = this.utf8.check(chunk);
    if (invalidAt !== undefined) this.failEncoding(chunk, invalidAt);
    this.bytes += chunk.length;
    this.lineBreaks += lineBreaksIn(chunk, chunk.length);
    this.parser.write(chunk);
    this.throwIfFailed();
  }

  /** Reads the last row; throws an ImportFailure when the file cannot be imported. */
  async end(): Promise<void> {
    this.throwIfFailed();
    if (this.utf8.hasIncompleteTail()) {
      this.fail(
        new ImportFailure('invalidEncoding', 'The file is not valid UTF-8: it ends inside a character'),
      );
    }
    if (this.bytes === 0) this.fail(new ImportFailure('emptyFile', 'The file is empty'));
    this.parser.end();
    await this.ended;
    this.throwIfFailed();
  }

  private readonly onRecord = (record: string[]): void => {
    // Stryker disable next-line ConditionalExpression: defensive: no input found after which csv-parse still emits (see the 1 MiB test)
    if (this.failure) return;
    const row = ++this.rows;
    const line = this.parser.info.lines;
    this.lastLine = line;
    this.lastByte = this.parser.info.bytes;
    if (row <= this.skipRows) return;
    // Stryker disable next-line StringLiteral: csv-parse never emits a record without fields
    const code = (record[0] ?? '').trim();
    if (code === '') {
      this.sink.skip();
    } else if (row === 1 && code.toLowerCase() === 'code') {
      // The header: neither a code nor a rejected row.
    } else if (code.length > MAX_CODE_LENGTH) {
      this.sink.reject(rejected(record, line, 'tooLong', code));
    } else if (CONTROL_CHARACTER.test(code)) {
      this.sink.reject(rejected(record, line, 'controlCharacter', code));
    } else {
      this.sink.accept(code);
    }
  };

  /**
   * With CSV_OPTIONS the parser reports only two errors, CSV_QUOTE_NOT_CLOSED and
   * CSV_MAX_RECORD_SIZE (relax_quotes and relax_column_count turn its per-row errors off; no trim,
   * no columns): both leave the rest of the file unreadable, so any parser error ends the import.
   */
  private readonly onParseError = (): void => {
    // Stryker disable next-line ConditionalExpression: defensive: no input found after which csv-parse still emits (see the 1 MiB test)
    if (this.failure) return;
    // The quote opened after the last row read; everything from there on is one unfinished field.
    // Recorded, not thrown: this runs inside the parser; write() and end() throw it.
    const from = this.lastLine + 1;
    this.failure = new ImportFailure(
      'malformedCsv',
      `A quoted field opened at or after line ${from} is never closed (or a row exceeds ${MAX_ROW_BYTES} bytes)`,
      from,
    );
  };

  private failEncoding(chunk: Uint8Array, invalidAt: number): never {
    // The line of the bad byte: the line breaks before it, in earlier chunks and in this one. A
    // negative offset is a character begun in the previous chunk (no line break after it there).
    const line = 1 + this.lineBreaks + lineBreaksIn(chunk, invalidAt);
    const at = this.bytes + invalidAt;
    this.fail(
      new ImportFailure('invalidEncoding', `The file is not valid UTF-8 (byte ${at}, line ${line})`, line),
    );
  }

  private fail(failure: ImportFailure): never {
    this.failure ??= failure;
    throw this.failure;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

/** The `\n` bytes among the first `end` of the chunk. */
function lineBreaksIn(chunk: Uint8Array, end: number): number {
  let breaks = 0;
  // Stryker disable next-line EqualityOperator: `end` is the chunk's length or an invalid byte, never a line break
  for (let i = chunk.indexOf(0x0a); i !== -1 && i < end; i = chunk.indexOf(0x0a, i + 1)) breaks++;
  return breaks;
}

/** The line a record starts on: the line it ends on, less the line breaks inside its fields. */
function rejected(
  record: string[],
  endLine: number,
  reason: RejectedRow['reason'],
  code: string,
): RejectedRow {
  let breaks = 0;
  for (const field of record)
    for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) breaks++;
  return { line: endLine - breaks, reason, value: code.slice(0, SAMPLE_VALUE_LENGTH) };
}

/**
 * Validates UTF-8 across chunk boundaries with the native `isUtf8` (SIMD, ~GB/s). A character
 * split between two chunks is held back and checked with the next one.
 */
export class Utf8Validator {
  private tail: Buffer | undefined;

  /**
   * Undefined when valid so far, else the offset in `chunk` of the first byte of the first invalid
   * character: negative when that character began in the previous chunk.
   */
  check(chunk: Uint8Array): number | undefined {
    const held = this.tail?.length ?? 0;
    const buffer = this.tail
      ? Buffer.concat([this.tail, chunk])
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const complete = completeLength(buffer);
    if (!isUtf8(buffer.subarray(0, complete))) return firstInvalidByte(buffer) - held;
    this.tail = complete < buffer.length ? Buffer.from(buffer.subarray(complete)) : undefined;
    return undefined;
  }

  hasIncompleteTail(): boolean {
    return this.tail !== undefined;
  }
}

/** The length of the buffer without a trailing, incomplete multi-byte character. */
function completeLength(buffer: Buffer): number {
  const end = buffer.length;
  let start = end - 1;
  // Walk back over at most three continuation bytes (10xxxxxx) to the lead byte. The bounds only
  // end the walk early: buffer[-1] is no continuation byte either, and after more than three
  // continuation bytes (invalid) the answer is `end` whatever precedes them.
  // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: see above
  while (start >= 0 && end - start < 4 && (buffer[start]! & 0xc0) === 0x80) start--;
  // Stryker disable next-line ConditionalExpression: an undefined lead needs 1 byte: `end` too
  if (start < 0) return end;
  const lead = buffer[start]!;
  // C0 and C1 never start a character (overlong forms): checked at once, not held back.
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 1;
  return end - start < needed ? start : end;
}

/** Where decoding first fails (only run on a chunk known to be invalid). */
function firstInvalidByte(buffer: Buffer): number {
  let low = 0;
  let high = buffer.length;
  // The longest valid prefix, by bisection. A prefix may end inside a character, so each is
  // decoded in streaming mode, which tolerates an unfinished last character.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, mid), { stream: true });
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  // The valid prefix may end with the start of the character that turned out invalid.
  return completeLength(buffer.subarray(0, low));
}
