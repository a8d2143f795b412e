import type * as z from 'zod';
import type { importViewSchema } from '../../../../lib/import/view-schema.ts';

/** Route 9's items, as the API document describes them (README "The import record"). */
export type ImportView = z.infer<typeof importViewSchema>;

/**
 * Rows done and rows in the file. A finished import read the whole file: its rows are all of them.
 * A running one has read `progress.bytes` of the object's `size` bytes to get `progress.rows`
 * rows, so the file holds about rows × size / bytes. Undefined when nothing says (indeterminate).
 */
export function rowsProgress(record: ImportView): { done: number; total: number | undefined } {
  const done = record.progress.rows;
  if (record.status === 'succeeded') return { done, total: done };
  const { bytes } = record.progress;
  if (record.size === undefined || bytes === undefined || bytes <= 0) return { done, total: undefined };
  return { done, total: Math.max(done, Math.round((done * record.size) / bytes)) };
}
