import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { importsCollection } from '../../../lib/import/record-store.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { codesCollection } from '../../../lib/mongo/collections.ts';

const direct = new MongoClient(process.env.MONGODB_URI!);
afterAll(async () => {
  await closeMongoClient();
  await direct.close();
});

describe('codes indexes', () => {
  it('are created at first use, and an existing same-key index under another name is kept', async () => {
    // As the previous service might have left it: the status index under a name of its own.
    const legacy = direct.db(process.env.MONGODB_DB).collection('codes');
    await legacy.createIndex(
      { '_id.campaign_id': 1, type: 1, 'date.assigned': 1, 'date.reserved': 1 },
      { name: 'legacy_status' },
    );
    const codes = await codesCollection();
    const names = (await codes.listIndexes().toArray()).map((index) => index.name).sort();
    expect(names).toEqual([
      '_id.campaign_id_1__id.code_1',
      '_id_',
      'legacy_status',
      'reserveId_1',
      'reserveId_1__id.campaign_id_1__id.code_1',
    ]);
  });
});

describe('imports indexes', () => {
  it("are created at first use: route 9's paging walks one, newest first per campaign", async () => {
    const imports = await importsCollection();
    const keys = (await imports.listIndexes().toArray()).map((index) => index.key);
    expect(keys).toEqual([{ _id: 1 }, { campaignId: 1, startedAt: -1, _id: -1 }]);
  });
});
