import { Transform } from 'node:stream';
import { type Options, stringify } from 'csv-stringify/sync';
import { BSON } from 'mongodb';
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

/**
 * csv-stringify's options for one export. Dates are written as ISO 8601, remembering the last one:
 * the codes of one import batch share their `saved` instant, so most rows repeat the row before's,
 * and formatting a date was a third of the CSV writer's time.
 */
function csvOptions(): Options {
  let lastTime = Number.NaN;
  let lastText = '';
  return {
    columns: [...EXPORT_COLUMNS],
    record_delimiter: 'windows',
    cast: {
      date: (value) => {
        const time = value.getTime();
        if (time !== lastTime) {
          lastTime = time;
          lastText = value.toISOString();
        }
        return lastText;
      },
    },
  };
}

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
 * Batches of codes in (arrays of raw BSON documents, as the cursor hands them over with `raw:
 * true`), CSV text out (bytes): each batch is decoded and written by csv-stringify as one piece of
 * text, the header before the first (an empty pool still gets its header). A batch rather than a
 * code per chunk: a stream chunk, its callback and its promises per code would cost more than the
 * code's row itself. Decoding here rather than in the cursor's reader is what lets the database
 * work on the next batch meanwhile (see the exporter). `onPiece` hears the running totals of rows
 * and bytes after each piece, and the stream waits for it (the export notes its progress there).
 */
export function exportCsvStream(now: Date, onPiece: (rows: number, bytes: number) => Promise<void>) {
  let written = 0;
  let bytes = 0;
  let header = true;
  const options = csvOptions();
  const piece = (stream: Transform, codes: readonly Uint8Array[]) => {
    const rows = codes.map((raw) => exportRow(BSON.deserialize(raw) as CodeDocument, now));
    const text = Buffer.from(stringify(rows, { ...options, header }), 'utf8');
    header = false;
    written += rows.length;
    bytes += text.length;
    stream.push(text);
    return onPiece(written, bytes);
  };
  return new Transform({
    writableObjectMode: true,
    // One batch waits while the one before it is written (the cursor reads ahead by that much).
    writableHighWaterMark: 1,
    transform(codes: readonly Uint8Array[], _encoding, callback) {
      if (codes.length === 0) return callback();
      piece(this, codes).then(() => callback(), callback);
    },
    flush(callback) {
      if (!header) return callback();
      piece(this, []).then(() => callback(), callback);
    },
  });
}
