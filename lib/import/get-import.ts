import { type Caller, requireSupreme } from '../auth/caller.ts';
import { parseCampaignId } from '../codes/validation.ts';
import { ServiceError } from '../errors.ts';
import { IMPORT_ID_PATTERN, type ImportView, importView } from './model.ts';
import { findImport } from './record-store.ts';

export interface GetImportInput {
  campaignId: unknown;
  importId: unknown;
}

/** Route 6: the import record (contract §5), only under the campaign it belongs to. */
export async function getImport(caller: Caller, input: GetImportInput): Promise<ImportView> {
  requireSupreme(caller);
  const campaignId = parseCampaignId(input.campaignId);
  const notFound = () => new ServiceError('importNotFound', 'No such import in this campaign', 'notFound');
  if (typeof input.importId !== 'string' || !IMPORT_ID_PATTERN.test(input.importId)) throw notFound();
  const doc = await findImport(input.importId);
  // Another campaign's import is as unknown here as a missing one: ids are not secrets, but the
  // path scopes every operation to one campaign.
  if (!doc || doc.campaignId !== campaignId) throw notFound();
  return importView(doc);
}
