import * as z from 'zod';
import { CODE_STATUSES, CODE_TYPES, type CodeDocument, RESERVATION_TTL_MS } from './model.ts';
import { statusOf } from './status-filters.ts';

/**
 * The code view of contract §4: what route 8 shows of a code. Status is computed as in contract §2
 * at the time of the request; `reserveId` and `reservedUntil` only while the code is reserved (an
 * expired reservation's id is history, not a hold).
 */
export const codeViewSchema = z.object({
  code: z.string(),
  type: z.enum(CODE_TYPES),
  status: z.enum(CODE_STATUSES),
  reserveId: z.string().optional(),
  reservedUntil: z.iso.datetime().optional(),
  date: z.object({
    saved: z.iso.datetime(),
    reserved: z.iso.datetime().optional(),
    assigned: z.iso.datetime().optional(),
  }),
});
export type CodeView = z.infer<typeof codeViewSchema>;

export function codeView(doc: CodeDocument, now: Date): CodeView {
  const status = statusOf(doc.date, now);
  const { saved, reserved, assigned } = doc.date;
  return {
    code: doc._id.code,
    type: doc.type,
    status,
    // A reservation without an id (data of the previous service) leaves it undefined: JSON drops it.
    ...(status === 'reserved' ? { reserveId: doc.reserveId } : {}),
    ...(status === 'reserved' && reserved
      ? { reservedUntil: new Date(reserved.getTime() + RESERVATION_TTL_MS).toISOString() }
      : {}),
    date: {
      saved: saved.toISOString(),
      ...(reserved ? { reserved: reserved.toISOString() } : {}),
      ...(assigned ? { assigned: assigned.toISOString() } : {}),
    },
  };
}
