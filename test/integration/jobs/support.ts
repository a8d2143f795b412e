import { parse } from 'csv-parse/sync';
import { EXPORT_COLUMNS } from '../../../lib/export/csv.ts';

export type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], string>;

/** Parses an export file; checks its header and CRLF line ends on the way. */
export function parseExport(text: string): ExportRow[] {
  const [header] = text.split('\r\n', 1);
  if (header !== EXPORT_COLUMNS.join(',')) throw new Error(`unexpected header ${JSON.stringify(header)}`);
  return parse(text, { columns: true, skip_empty_lines: true }) as ExportRow[];
}

/** How many rows have each value of a column. */
export function tally(rows: readonly ExportRow[], column: keyof ExportRow): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row[column]] = (counts[row[column]] ?? 0) + 1;
  return counts;
}
