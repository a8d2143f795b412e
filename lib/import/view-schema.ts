import * as z from 'zod';
import { CODE_TYPES } from '../codes/model.ts';
import type { RejectReason } from './model.ts';

/**
 * An import record as routes 1, 6 and 9 show it (ImportView in ./model.ts, dates as ISO 8601):
 * the OpenAPI document's description of it.
 */
export const IMPORT_STATUSES = ['running', 'succeeded', 'failed'] as const;

const counts = z.object({
  in: z.int(),
  inserted: z.int(),
  updated: z.int(),
  duplicates: z.int(),
  rejected: z.int(),
  skipped: z.int(),
});

export const importViewSchema = z.object({
  importId: z.string(),
  campaignId: z.string().optional(),
  type: z.enum(CODE_TYPES).optional(),
  bucket: z.string(),
  key: z.string(),
  versionId: z.string().optional(),
  eTag: z.string().optional(),
  size: z.int().optional(),
  source: z.enum(['s3', 'api']),
  /** The correlation id of the upload request that started it (route 1 only). */
  correlationId: z.string().optional(),
  status: z.enum(IMPORT_STATUSES),
  count: counts,
  progress: z.object({ rows: z.int(), lines: z.int(), batches: z.int(), bytes: z.int().optional() }),
  rejects: z.array(
    z.object({
      line: z.int(),
      reason: z.enum(['tooLong', 'controlCharacter'] satisfies RejectReason[]),
      value: z.string(),
    }),
  ),
  error: z
    .object({ reason: z.string(), message: z.string(), retryable: z.boolean(), line: z.int().optional() })
    .optional(),
  attempts: z.int(),
  startedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().optional(),
  durationMs: z.number().optional(),
});
