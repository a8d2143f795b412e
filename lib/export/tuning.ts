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
   * Codes per cursor batch. Each batch stays alive while it is written, long enough for V8 to move
   * it to the old generation; 2 000 rather than 5 000 keeps that garbage, and the peak RSS, ~20 MiB
   * lower, for no measurable loss of speed against the embedded server.
   */
  cursorBatch: 2000,
} as const;
