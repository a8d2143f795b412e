import { afterAll, describe, expect, it } from 'vitest';
import { campaignIdRange, statusCondition } from '../../../lib/codes/status-filters.ts';
import { countAvailableUpTo, findCode, findCodePage } from '../../../lib/codes/store.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { codesCollection } from '../../../lib/mongo/collections.ts';
import { codeList, seedCodes } from '../../support/codes.ts';
import { subsegmentsOf } from '../../support/traced.ts';

/**
 * The codes store's reads that no route shows whole (issue 17: mutation testing found them
 * unchecked): the low-stock sweep's bounded count, the trace names of route 8's reads, and the
 * campaign range the export walks.
 */
afterAll(() => closeMongoClient());

describe('the codes store', () => {
  it('counts available codes only up to the limit asked for', async () => {
    await seedCodes('store-count', 'tm', codeList('C', 5));
    const pool = { campaignId: 'store-count', type: 'tm' } as const;
    expect(await countAvailableUpTo(pool, new Date(), 3)).toBe(3);
    expect(await countAvailableUpTo(pool, new Date(), 10)).toBe(5);
  });

  it('traces route 8 reads and the bounded count under their own names', async () => {
    await seedCodes('store-traced', 'tm', ['T1']);
    const names = await subsegmentsOf(async () => {
      await countAvailableUpTo({ campaignId: 'store-traced', type: 'tm' }, new Date(), 1);
      await findCodePage({ campaignId: 'store-traced' }, [], undefined, 1);
      await findCode('store-traced', 'T1', [statusCondition('available', new Date())]);
    });
    expect(names).toEqual(['db.count.availableUpTo', 'db.listCodes', 'db.lookupCode']);
  });

  it("reads a campaign's range of the primary index without the campaign whose id extends it by NUL", async () => {
    await seedCodes('store-range', 'tm', ['A', 'B']);
    // No import can create it (keys refuse control characters), but the range must not rely on that.
    await seedCodes('store-range\u0000', 'tm', ['A']);
    await seedCodes('store-rangeX', 'tm', ['A']);
    const codes = await codesCollection();
    const inRange = await codes.find(campaignIdRange('store-range')).toArray();
    expect(inRange.map((doc) => doc._id)).toEqual([
      { campaign_id: 'store-range', code: 'A' },
      { campaign_id: 'store-range', code: 'B' },
    ]);
  });
});
