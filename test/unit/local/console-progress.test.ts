import { describe, expect, it } from 'vitest';
import { type ImportView, rowsProgress } from '../../../infra/local/console/app/import-progress.ts';

const record = (fields: Partial<ImportView> & Pick<ImportView, 'status' | 'progress'>): ImportView => ({
  importId: '0'.repeat(32),
  bucket: 'b',
  key: 'codes/c/tm/f.csv',
  source: 's3',
  count: { in: 0, inserted: 0, updated: 0, duplicates: 0, rejected: 0, skipped: 0 },
  rejects: [],
  attempts: 1,
  startedAt: '2026-11-28T09:00:00.000Z',
  updatedAt: '2026-11-28T09:00:00.000Z',
  ...fields,
});

describe("the console's import progress (rows done / rows in the file)", () => {
  it('estimates the rows in a running import from the bytes its rows took of the object', () => {
    // 1 000 rows took 11 000 of 44 000 bytes: the file holds about 4 000 rows.
    expect(
      rowsProgress(
        record({
          status: 'running',
          size: 44_000,
          progress: { rows: 1_000, lines: 1_000, batches: 1, bytes: 11_000 },
        }),
      ),
    ).toEqual({ done: 1_000, total: 4_000 });
  });

  it('counts a succeeded import complete, whatever the estimate said', () => {
    expect(
      rowsProgress(
        record({
          status: 'succeeded',
          size: 44_000,
          progress: { rows: 3_999, lines: 4_000, batches: 4, bytes: 43_990 },
        }),
      ),
    ).toEqual({ done: 3_999, total: 3_999 });
  });

  it('is indeterminate before the first batch, or without the size or bytes', () => {
    const running = { status: 'running' as const };
    expect(
      rowsProgress(record({ ...running, size: 10, progress: { rows: 0, lines: 0, batches: 0 } })),
    ).toEqual({
      done: 0,
      total: undefined,
    });
    expect(
      rowsProgress(record({ ...running, progress: { rows: 5, lines: 5, batches: 1, bytes: 20 } })).total,
    ).toBeUndefined();
  });

  it('never shows more rows done than in the file (a failed import keeps its last estimate)', () => {
    expect(
      rowsProgress(
        record({ status: 'failed', size: 100, progress: { rows: 10, lines: 10, batches: 1, bytes: 100 } }),
      ),
    ).toEqual({ done: 10, total: 10 });
  });
});
