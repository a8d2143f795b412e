/**
 * How the export reads and uploads (lib/export/exporter.ts). A module of its own, importing
 * nothing, so the benchmark's bare cursor read and bare upload use the same settings without
 * loading the service (whose tracer alone would slow the bare read down).
 */
export const EXPORT_TUNING = {
  /** Bytes per upload part (S3's minimum). */
  partSize: 5 * 1024 * 1024,
  /**
   * Parts uploaded at once. Two keep the upload well ahead of the cursor (the bare upload runs
   * ~30 times faster than the read, see the README's figures); each more holds another part.
   */
  queueSize: 2,
  /**
   * Codes per cursor batch. The batch read ahead waits while the current one is written, long
   * enough for V8 to copy it out of the young generation: the smaller the batch, the less of that
   * copying. 1 000 rather than 5 000 cut the exporter's CPU by a quarter and its peak RSS by ~20 MiB
   * (test/bench/export.bench.ts: 2 000 measured 0.78 of the bare read at 1 M codes, 1 000 0.88).
   */
  cursorBatch: 1000,
} as const;
