import * as z from 'zod';
import { CODE_STATUSES, CODE_TYPES } from '../codes/model.ts';

/**
 * Export and purge records as routes 12–15 show them (ExportView and PurgeView, dates as
 * ISO 8601): the OpenAPI document's description of them (lib/http/routes.ts).
 */
const jobViewBase = {
  campaignId: z.string(),
  type: z.enum(CODE_TYPES),
  status: z.enum(['running', 'succeeded', 'failed']),
  error: z.object({ reason: z.string(), message: z.string(), retryable: z.boolean() }).optional(),
  attempts: z.int(),
  startedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().optional(),
  durationMs: z.number().optional(),
};

export const exportViewSchema = z.object({
  exportId: z.string(),
  ...jobViewBase,
  filter: z.object({ type: z.enum(CODE_TYPES), status: z.enum(CODE_STATUSES).optional() }),
  key: z.string(),
  progress: z.object({ rows: z.int() }),
  rows: z.int().optional(),
  size: z.int().optional(),
  url: z.url().optional().describe('Once succeeded: a pre-signed GET URL of the CSV, valid 15 minutes'),
  urlExpiresAt: z.iso.datetime().optional(),
});

export const purgeViewSchema = z.object({
  purgeId: z.string(),
  ...jobViewBase,
  statuses: z.array(z.enum(CODE_STATUSES)),
  includeAssigned: z.boolean(),
  count: z.object({ deleted: z.int() }),
  progress: z.object({ batches: z.int() }),
});

export const exportStartedSchema = z.object({ exportId: z.string(), status: z.literal('running') });
export const purgeStartedSchema = z.object({ purgeId: z.string(), status: z.literal('running') });
