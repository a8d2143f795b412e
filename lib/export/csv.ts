import { Transform } from 'node:stream';
import { type Options, stringify } from 'csv-stringify/sync';
import type { CodeDocument } from '../codes/model.ts';
import { statusOf } from '../codes/status-filters.ts';

/**
 * The export file's format (contract §6a): a header, then one row per code, RFC 4180 (CRLF line
 * ends, fields quoted when they hold a comma, a quote or a line break), dates in ISO 8601 UTC.
 * `status` is computed as everywhere else; `reserveId` and the dates are the stored fields as they
 * are (an expired reservation still shows its `reserveId` and `reserved` date beside `available`).
 */
export const EXPORT_COLUMNS = [
  'code',
  'type',
  'status',
  'reserveId',
  'saved',
  'reserved',
  'assigned',
] as const;

const CSV_OPTIONS: Options = {
  columns: [...EXPORT_COLUMNS],
  record_delimiter: 'windows',
  cast: { date: (value) => value.toISOString() },
};

/** Rows per piece of text: a stream chunk per row would cost more than the row itself. */
const ROWS_PER_CHUNK = 1000;

export function exportRow(doc: CodeDocument, now: Date): unknown[] {
  const { date } = doc;
  return [
    doc._id.code,
    doc.type,
    statusOf(date, now),
    doc.reserveId,
    date.saved,
    date.reserved,
    date.assigned,
  ];
}

/**
 * Codes in (objects), CSV text out (bytes): rows are written by csv-stringify a thousand at a time,
 * the header before the first. `onPiece` hears the running totals of rows and bytes after each
 * piece, and the stream waits for it (the export notes its progress there).
 */
export function exportCsvStream(now: Date, onPiece: (rows: number, bytes: number) => Promise<void>) {
  let rows: unknown[][] = [];
  let written = 0;
  let bytes = 0;
  let header = true;
  const piece = (stream: Transform) => {
    const text = Buffer.from(stringify(rows, { ...CSV_OPTIONS, header }), 'utf8');
    header = false;
    written += rows.length;
    bytes += text.length;
    rows = [];
    stream.push(text);
    return onPiece(written, bytes);
  };
  return new Transform({
    writableObjectMode: true,
    writableHighWaterMark: ROWS_PER_CHUNK,
    transform(code: CodeDocument, _encoding, callback) {
      rows.push(exportRow(code, now));
      if (rows.length < ROWS_PER_CHUNK) return callback();
      piece(this).then(() => callback(), callback);
    },
    flush(callback) {
      if (rows.length === 0 && !header) return callback();
      piece(this).then(() => callback(), callback);
    },
  });
}
