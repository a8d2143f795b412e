import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { ServiceError } from '../errors.ts';
import { Field, queryInteger } from '../input/field.ts';
import { cursorSigningKey } from './signing-key.ts';

/**
 * Opaque keyset cursors (contract §4): the sort key of the last item of a page, signed (HMAC-SHA256)
 * together with the walk it belongs to — route, campaign and filters. A cursor this service did not
 * issue, that was altered, or that is replayed with another campaign or other filters is an
 * `invalidCursor` 400, never a 500 and never a page of someone else's walk.
 */
const MAC_BYTES = 16;

const invalidCursor = () => new ServiceError('invalidCursor', 'cursor is not one this list issued');

/** What a cursor is bound to: the walk (route, campaign, filters) whose position it holds. */
export type CursorScope = Readonly<Record<string, string | number | undefined>>;

const canonical = (scope: CursorScope): string =>
  JSON.stringify(
    Object.keys(scope)
      .sort()
      .map((name) => [name, scope[name] ?? null]),
  );

function mac(key: Buffer, scope: CursorScope, payload: string): Buffer {
  return createHmac('sha256', key)
    .update(canonical(scope))
    .update('\n')
    .update(payload)
    .digest()
    .subarray(0, MAC_BYTES);
}

export async function encodeCursor(scope: CursorScope, position: unknown): Promise<string> {
  const payload = Buffer.from(JSON.stringify(position)).toString('base64url');
  return `${payload}.${mac(await cursorSigningKey(), scope, payload).toString('base64url')}`;
}

/** The position a cursor holds, checked against its signature and the position's own schema. */
export async function decodeCursor<S extends z.ZodType>(
  scope: CursorScope,
  cursor: string,
  schema: S,
): Promise<z.output<S>> {
  const [payload, signature, ...rest] = cursor.split('.');
  if (!payload || !signature || rest.length) throw invalidCursor();
  const expected = mac(await cursorSigningKey(), scope, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor();
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const parsed = schema.safeParse(position);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}

/** The `cursor` query parameter: an opaque string (its content is checked when it is decoded). */
export const cursorSchema = z
  .string()
  .min(1)
  .max(2048)
  .describe('Opaque cursor: the nextCursor of the previous page');

/** The `limit` and `cursor` query parameters of a list route whose pages hold 1..`max` items. */
export const pagingFields = (max: number, byDefault: number) => ({
  limit: new Field(
    queryInteger(1, max).default(byDefault),
    'invalidLimit',
    `limit must be an integer from 1 to ${max}`,
  ),
  cursor: new Field(cursorSchema, 'invalidCursor', 'cursor is not one this list issued').optional(),
});

/** A page of a list route (contract §4 routes 8 and 9). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The contract's page shape, for the OpenAPI document. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
