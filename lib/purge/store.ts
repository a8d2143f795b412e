import type { Filter } from 'mongodb';
import { type CodeDocument, type CodeStatus, codeId, type PoolScope } from '../codes/model.ts';
import { poolFilter, statusCondition } from '../codes/status-filters.ts';
import { codesCollection } from '../mongo/collections.ts';
import { dbCall } from '../mongo/instrument.ts';

/**
 * The codes a purge may delete at `now`: the pool's codes of the listed statuses (computed at `now`,
 * contract §2) that nothing has touched since the purge started — saved, reserved and assigned
 * dates all before it. So a code reserved, assigned or imported again while the purge runs is left
 * alone, whatever status it has when the purge reaches it.
 */
export function purgeableFilter(
  scope: PoolScope,
  statuses: readonly CodeStatus[],
  startedAt: Date,
  now: Date,
): Filter<CodeDocument> {
  const untouchedSince = (field: 'date.reserved' | 'date.assigned') => ({
    $or: [{ [field]: { $exists: false } }, { [field]: { $lte: startedAt } }],
  });
  return {
    ...poolFilter(scope),
    'date.saved': { $lte: startedAt },
    $and: [
      untouchedSince('date.reserved'),
      untouchedSince('date.assigned'),
      { $or: statuses.map((status) => statusCondition(status, now)) },
    ],
  };
}

/** Up to `limit` codes the filter selects (their code strings only). */
export async function findPurgeable(filter: Filter<CodeDocument>, limit: number): Promise<string[]> {
  const codes = await codesCollection();
  const docs = await dbCall('purge.find', () =>
    codes
      .find(filter, { projection: { _id: 1 } })
      .limit(limit)
      .toArray(),
  );
  return docs.map((doc) => doc._id.code);
}

/**
 * Deletes the listed codes that the filter still selects: MongoDB evaluates the filter per document
 * as it deletes, so a code reserved or assigned since it was found is not deleted. Returns how many.
 */
export async function deletePurgeable(
  campaignId: string,
  codeList: readonly string[],
  filter: Filter<CodeDocument>,
): Promise<number> {
  const codes = await codesCollection();
  const ids = codeList.map((code) => codeId(campaignId, code));
  const result = await dbCall('purge.delete', () => codes.deleteMany({ _id: { $in: ids }, ...filter }));
  return result.deletedCount;
}
