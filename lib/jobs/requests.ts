import * as z from 'zod';
import { CODE_STATUSES, CODE_TYPES } from '../codes/model.ts';
import { type ErrorCode, ServiceError } from '../errors.ts';

/**
 * The bodies of routes 12 and 14 (contract §4), as zod schemas (also the source of their OpenAPI
 * description), and their parsing with the contract's error codes: a missing `type` is
 * `missingType`, any other `type` problem `invalidType`, a bad `status` `invalidStatus`, and every
 * problem with `statuses` or `includeAssigned` `invalidStatuses`.
 */
export const exportRequestSchema = z.object({
  type: z.enum(CODE_TYPES),
  /** Only codes of this status; all codes of the pool when absent. */
  status: z.enum(CODE_STATUSES).optional(),
});
export type ExportRequestBody = z.infer<typeof exportRequestSchema>;

export const purgeRequestSchema = z
  .object({
    type: z.enum(CODE_TYPES),
    statuses: z
      .array(z.enum(CODE_STATUSES))
      .min(1)
      .transform((statuses) => [...new Set(statuses)]),
    /** Assigned codes are the record of what fans hold: deleting them must be asked for explicitly. */
    includeAssigned: z.boolean().optional(),
  })
  .refine((body) => body.includeAssigned === true || !body.statuses.includes('assigned'), {
    path: ['statuses'],
    message: 'purging assigned codes needs "includeAssigned": true',
  });
export type PurgeRequestBody = z.infer<typeof purgeRequestSchema>;

const ERROR_CODES: Record<string, ErrorCode> = {
  status: 'invalidStatus',
  statuses: 'invalidStatuses',
  includeAssigned: 'invalidStatuses',
};

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  invalidType: 'type must be one of: tm, external',
  invalidStatus: 'status must be one of: available, reserved, assigned',
  invalidStatuses:
    'statuses must be a non-empty list of available, reserved, assigned (assigned only with "includeAssigned": true)',
};

/** Parses a JSON body (any value) with a job schema; the first problem becomes its ServiceError. */
export function parseJobRequest<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const input = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {};
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  if (field === 'type') {
    if ((input as { type?: unknown }).type === undefined)
      throw new ServiceError('missingType', 'type is required');
    throw new ServiceError('invalidType', MESSAGES.invalidType!);
  }
  const code = ERROR_CODES[field] ?? 'invalidStatuses';
  const message = issue.code === 'custom' ? issue.message : MESSAGES[code]!;
  throw new ServiceError(code, message);
}
