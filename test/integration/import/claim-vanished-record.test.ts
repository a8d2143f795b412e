import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { ImportObject } from '../../../lib/import/model.ts';
import { claimImport, type ImportMeta, importsCollection } from '../../../lib/import/record-store.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';

/**
 * A claim that cannot be decided (issue 17): the record vanishes between the insert that found it
 * and the read. The delivery fails (the platform retries it) rather than guessing.
 */
const LEASE = 60_000;
const t0 = new Date('2030-01-01T00:00:00Z');
const meta: ImportMeta = { campaignId: 'c1', type: 'tm', source: 's3', batchSize: 100 };
const object = (key: string): ImportObject => ({ bucket: 'b', key, eTag: 'e1' });

afterEach(() => vi.restoreAllMocks());
afterAll(() => closeMongoClient());

describe('claimImport, when the record vanishes mid-claim', () => {
  it('fails the delivery when the record vanishes between the refused insert and the read', async () => {
    await claimImport('id-gone', object('k1'), meta, LEASE, t0);
    const imports = await importsCollection();
    const insertOne = imports.insertOne.bind(imports);
    // A real race, made certain: the record is deleted right after the server refused the insert.
    vi.spyOn(imports, 'insertOne').mockImplementationOnce(async (doc, options) => {
      try {
        return await insertOne(doc, options);
      } finally {
        await imports.deleteOne({ _id: 'id-gone' });
      }
    });
    await expect(claimImport('id-gone', object('k1'), meta, LEASE, t0)).rejects.toThrow(
      'Import id-gone vanished while being claimed',
    );
    // The platform's retry finds nothing and claims it afresh.
    expect(await claimImport('id-gone', object('k1'), meta, LEASE, t0)).toMatchObject({
      kind: 'run',
      resumed: false,
    });
  });
});
