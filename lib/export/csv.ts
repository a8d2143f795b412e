import { type Options, stringify } from 'csv-stringify';
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
  header: true,
  columns: [...EXPORT_COLUMNS],
  record_delimiter: 'windows',
  cast: { date: (value) => value.toISOString() },
};

/** A CSV writer stream: rows in (as arrays in EXPORT_COLUMNS order), text out. */
export const exportCsvWriter = () => stringify(CSV_OPTIONS);

/** The fields an export reads from each code (the projection of its cursor). */
export const EXPORT_PROJECTION = { _id: 1, type: 1, reserveId: 1, date: 1 } as const;

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
