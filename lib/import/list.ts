import * as z from 'zod';
import { type Caller, requireSupreme } from '../auth/caller.ts';
import { campaignIdField } from '../codes/validation.ts';
import { Field, fieldsSchema, parseFields } from '../input/field.ts';
import { decodeCursor, encodeCursor, type Page, pagingFields } from '../paging/cursor.ts';
import { IMPORT_ID_PATTERN, type ImportView, importView } from './model.ts';
import { findImportPage } from './record-store.ts';
import { IMPORT_STATUSES } from './view-schema.ts';

export const MAX_IMPORTS_PAGE = 100;
export const DEFAULT_IMPORTS_PAGE = 20;

/** Route 9's query parameters, in the order they are checked (contract §4). */
export const listImportsQuery = {
  status: new Field(
    z.enum(IMPORT_STATUSES),
    'invalidStatus',
    `status must be one of: ${IMPORT_STATUSES.join(', ')}`,
  ).optional(),
  ...pagingFields(MAX_IMPORTS_PAGE, DEFAULT_IMPORTS_PAGE),
};
export const listImportsQuerySchema = fieldsSchema(listImportsQuery);

/** A cursor's position in an import walk: the last record's start time and id. */
const importPosition = z.object({
  startedAt: z.iso.datetime(),
  importId: z.string().regex(IMPORT_ID_PATTERN),
});

export interface ListImportsInput {
  campaignId: unknown;
  query: Readonly<Record<string, unknown>>;
}

/** Route 9: a campaign's import records, newest first, a page at a time. */
export async function listImports(caller: Caller, input: ListImportsInput): Promise<Page<ImportView>> {
  requireSupreme(caller);
  const campaignId = campaignIdField.parse(input.campaignId);
  const query = parseFields(listImportsQuery, input.query);
  const scope = { route: 'imports', campaignId, status: query.status };
  const position =
    query.cursor === undefined ? undefined : await decodeCursor(scope, query.cursor, importPosition);
  const after = position && { startedAt: new Date(position.startedAt), importId: position.importId };
  const docs = await findImportPage(campaignId, query.status, after, query.limit + 1);
  const page = docs.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    docs.length > query.limit && last
      ? await encodeCursor(scope, { startedAt: last.startedAt.toISOString(), importId: last._id })
      : null;
  return { items: page.map(importView), nextCursor };
}
