import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { ImportObject } from '../../../lib/import/model.ts';
import {
  claimImport,
  findImport,
  type ImportMeta,
  importsCollection,
} from '../../../lib/import/record-store.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';

/**
 * The claim's races and refusals, made certain (issue 17): each test lets a real operation on the
 * embedded MongoDB land between two steps of a claim, or, where the embedded server cannot refuse
 * a write the way MongoDB can, has the driver throw what MongoDB would.
 */
const LEASE = 60_000;
const t0 = new Date('2030-01-01T00:00:00Z');
const meta: ImportMeta = { campaignId: 'c1', type: 'tm', source: 's3', batchSize: 100 };
const object = (key: string): ImportObject => ({ bucket: 'b', key, eTag: 'e1' });

afterEach(() => vi.restoreAllMocks());
afterAll(() => closeMongoClient());

describe('claimImport, racing or refused', () => {
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

  it('answers busy when another delivery takes the stalled import over between the read and the takeover', async () => {
    const first = await claimImport('id-stolen', object('k2'), meta, LEASE, t0);
    const later = new Date(t0.getTime() + 2 * LEASE);
    const imports = await importsCollection();
    const findOne = imports.findOne.bind(imports) as (filter: object) => Promise<unknown>;
    let rival: Awaited<ReturnType<typeof claimImport>> | undefined;
    vi.spyOn(imports, 'findOne').mockImplementationOnce((async (filter: object) => {
      const stalled = await findOne(filter);
      rival = await claimImport('id-stolen', object('k2'), meta, LEASE, later);
      return stalled;
    }) as never);
    const claim = await claimImport('id-stolen', object('k2'), meta, LEASE, later);
    expect(rival).toMatchObject({ kind: 'run', resumed: true });
    // The takeover found the lease changed: this delivery leaves the import to the rival.
    expect(claim).toEqual({ kind: 'busy', doc: expect.objectContaining({ attemptId: first.doc.attemptId }) });
    expect(await findImport('id-stolen')).toMatchObject({ attempts: 2, attemptId: rival?.doc.attemptId });
  });

  it('passes on an insert MongoDB refuses for another reason than a duplicate, reading nothing', async () => {
    const { MongoServerError } = await import('mongodb');
    // E.g. a primary stepping down mid-failover (NotWritablePrimary): the embedded server has no replica set.
    const refused = new MongoServerError({ code: 10107, errmsg: 'not primary', ok: 0 });
    const imports = await importsCollection();
    vi.spyOn(imports, 'insertOne').mockRejectedValueOnce(refused);
    const reads = vi.spyOn(imports, 'findOne');
    await expect(claimImport('id-refused', object('k3'), meta, LEASE, t0)).rejects.toBe(refused);
    expect(reads).not.toHaveBeenCalled();
  });
});
