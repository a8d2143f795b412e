import * as z from 'zod';
import { CODE_TYPES } from '../codes/model.ts';

/**
 * The events the service publishes on its own EventBridge bus (contract §6b): their detail types and
 * the shape of each `detail`, as zod schemas so consumers' expectations (and the tests) check the
 * very shape the service sends. Every detail carries `eventId`, stable across republishing, for
 * consumers to de-duplicate (delivery is at least once; EventBridge's own `id` differs per attempt).
 */
export const EVENT_SOURCE = 'code-service';

export const DetailType = {
  PoolLow: 'Pool Low',
  PoolEmpty: 'Pool Empty',
  ImportSucceeded: 'Import Succeeded',
  ImportFailed: 'Import Failed',
} as const;
export type DetailType = (typeof DetailType)[keyof typeof DetailType];

const isoDate = z.iso.datetime();
const codeType = z.enum(CODE_TYPES);
const count = z.number().int().nonnegative();

const poolFields = {
  eventId: z.string().min(1),
  campaignId: z.string().min(1),
  type: codeType,
  lowStockThreshold: count,
  /** Available codes when the sweep looked (never above the level). */
  available: count,
  at: isoDate,
};

/** The available count fell to or below `level`, a rung of the ladder T, T/2, T/4, T/8. */
export const poolLowDetail = z.strictObject({ ...poolFields, level: z.number().int().positive() });
export type PoolLowDetail = z.infer<typeof poolLowDetail>;

/** No code of the pool is available any more. */
export const poolEmptyDetail = z.strictObject({ ...poolFields, available: z.literal(0) });
export type PoolEmptyDetail = z.infer<typeof poolEmptyDetail>;

const importCounts = z.strictObject({
  in: count,
  inserted: count,
  updated: count,
  duplicates: count,
  rejected: count,
  skipped: count,
});

const importFields = {
  eventId: z.string().min(1),
  importId: z.string().regex(/^[0-9a-f]{32}$/),
  bucket: z.string().min(1),
  key: z.string().min(1),
  count: importCounts,
  at: isoDate,
};

export const importSucceededDetail = z.strictObject({
  ...importFields,
  campaignId: z.string().min(1),
  type: codeType,
});
export type ImportSucceededDetail = z.infer<typeof importSucceededDetail>;

/** A file that cannot be imported; campaign and type are absent when its key names none. */
export const importFailedDetail = z.strictObject({
  ...importFields,
  campaignId: z.string().min(1).optional(),
  type: codeType.optional(),
  error: z.strictObject({ reason: z.string().min(1), message: z.string(), line: count.optional() }),
});
export type ImportFailedDetail = z.infer<typeof importFailedDetail>;

export const DETAIL_SCHEMAS = {
  [DetailType.PoolLow]: poolLowDetail,
  [DetailType.PoolEmpty]: poolEmptyDetail,
  [DetailType.ImportSucceeded]: importSucceededDetail,
  [DetailType.ImportFailed]: importFailedDetail,
} as const;

export interface DetailOf {
  'Pool Low': PoolLowDetail;
  'Pool Empty': PoolEmptyDetail;
  'Import Succeeded': ImportSucceededDetail;
  'Import Failed': ImportFailedDetail;
}

/** One event as the service hands it to the publisher. */
export type ServiceEvent = {
  [T in DetailType]: { detailType: T; detail: DetailOf[T] };
}[DetailType];
