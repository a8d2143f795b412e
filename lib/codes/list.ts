import type { Filter } from 'mongodb';
import * as z from 'zod';
import { type Caller, requireSupreme } from '../auth/caller.ts';
import { Field, fieldsSchema, parseFields } from '../input/field.ts';
import { decodeCursor, encodeCursor, type Page, pagingFields } from '../paging/cursor.ts';
import type { CodeDocument } from './model.ts';
import { reservedCondition, statusCondition } from './status-filters.ts';
import { findCode, findCodePage } from './store.ts';
import { campaignIdField, codeSchema, reserveIdField, statusField, typeField } from './validation.ts';
import { type CodeView, codeView } from './view.ts';

export const MAX_CODES_PAGE = 1000;
export const DEFAULT_CODES_PAGE = 100;

/** Route 8's query parameters, in the order they are checked (contract §4). */
export const listCodesQuery = {
  type: typeField.optional(),
  status: statusField.optional(),
  reserveId: reserveIdField.optional(),
  code: new Field(
    codeSchema.describe('Exact code: a lookup of one code (0 or 1 item)'),
    'invalidCodesProp',
    'code must be a string of 1-256 characters',
  ).optional(),
  ...pagingFields(MAX_CODES_PAGE, DEFAULT_CODES_PAGE),
};
export const listCodesQuerySchema = fieldsSchema(listCodesQuery);

export interface ListCodesInput {
  campaignId: unknown;
  query: Readonly<Record<string, unknown>>;
}

/** A cursor's position in a code walk: the last code of the page. */
const codePosition = z.object({ after: codeSchema });

/**
 * Route 8: a campaign's code views, filtered by any of type, status and reservation, in code order,
 * a page at a time; or the lookup of one code. A reserveId filter means the codes that reservation
 * holds now (reserved, not expired, not assigned) — the same condition as the view's `reserveId`.
 */
export async function listCodes(
  caller: Caller,
  input: ListCodesInput,
  now = new Date(),
): Promise<Page<CodeView>> {
  requireSupreme(caller);
  const campaignId = campaignIdField.parse(input.campaignId);
  const query = parseFields(listCodesQuery, input.query);
  const conditions: Filter<CodeDocument>[] = [
    ...(query.type === undefined ? [] : [{ type: query.type }]),
    ...(query.status === undefined ? [] : [statusCondition(query.status, now)]),
    ...(query.reserveId === undefined ? [] : [reservedCondition(now)]),
  ];
  const scope = {
    // Stryker disable next-line StringLiteral: the other keys already set this walk apart from route 9's ({route, campaignId, status})
    route: 'codes',
    campaignId,
    type: query.type,
    status: query.status,
    reserveId: query.reserveId,
    code: query.code,
  };
  const after =
    query.cursor === undefined ? undefined : (await decodeCursor(scope, query.cursor, codePosition)).after;

  if (query.code !== undefined) {
    // A lookup is one document by its primary key: it never has a next page.
    const doc = await findCode(campaignId, query.code, [
      ...conditions,
      ...(query.reserveId === undefined ? [] : [{ reserveId: query.reserveId }]),
    ]);
    return { items: doc ? [codeView(doc, now)] : [], nextCursor: null };
  }

  // One more than asked tells whether another page follows, so the last page says so (null).
  const docs = await findCodePage(
    { campaignId, reserveId: query.reserveId },
    conditions,
    after,
    query.limit + 1,
  );
  const page = docs.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    docs.length > query.limit && last ? await encodeCursor(scope, { after: last._id.code }) : null;
  return { items: page.map((doc) => codeView(doc, now)), nextCursor };
}
