/**
 * Aggregation: the stages the service and the driver's helpers use.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, useTestDb } from './support.ts';

const t = useTestDb();

beforeAll(async () => {
  await t.db.collection('sales').insertMany([
    { _id: 1 as never, item: 'a', qty: 2, price: 10, region: 'n' },
    { _id: 2 as never, item: 'b', qty: 1, price: 20, region: 's' },
    { _id: 3 as never, item: 'a', qty: 5, price: 10, region: 's' },
    { _id: 4 as never, item: 'c', qty: 3, price: 5, region: 'n' },
    { _id: 5 as never, item: 'b', qty: 4, price: 20, region: 'n' },
  ]);
});

describe('aggregate', () => {
  it('matches, groups and sorts', async () => {
    const rows = await t.db
      .collection('sales')
      .aggregate([
        { $match: { qty: { $gte: 2 } } },
        { $group: { _id: '$item', total: { $sum: { $multiply: ['$qty', '$price'] } }, n: { $sum: 1 } } },
        { $sort: { total: -1 } },
      ])
      .toArray();
    expect(rows).toEqual([
      { _id: 'b', total: 80, n: 1 },
      { _id: 'a', total: 70, n: 2 },
      { _id: 'c', total: 15, n: 1 },
    ]);
  });

  it('counts with $count, and returns nothing when nothing matches', async () => {
    const sales = t.db.collection('sales');
    expect(await sales.aggregate([{ $match: { region: 'n' } }, { $count: 'n' }]).toArray()).toEqual([
      { n: 3 },
    ]);
    expect(await sales.aggregate([{ $match: { region: 'x' } }, { $count: 'n' }]).toArray()).toEqual([]);
  });

  it('projects, skips and limits', async () => {
    const rows = await t.db
      .collection('sales')
      .aggregate([
        { $sort: { _id: 1 } },
        { $skip: 1 },
        { $limit: 2 },
        { $project: { _id: 0, item: 1, value: { $multiply: ['$qty', '$price'] } } },
      ])
      .toArray();
    expect(rows).toEqual([
      { item: 'b', value: 20 },
      { item: 'a', value: 50 },
    ]);
  });

  it('samples the requested number of documents', async () => {
    const rows = await t.db
      .collection('sales')
      .aggregate([{ $sample: { size: 3 } }])
      .toArray();
    expect(rows).toHaveLength(3);
    // MongoDB documents that $sample may return a document more than once; only membership is certain.
    for (const row of rows) expect([1, 2, 3, 4, 5]).toContain(row._id);
  });

  it('backs countDocuments (with skip and limit)', async () => {
    const sales = t.db.collection('sales');
    expect(await sales.countDocuments({ item: 'a' })).toBe(2);
    expect(await sales.countDocuments({})).toBe(5);
    expect(await sales.countDocuments({}, { skip: 2, limit: 2 })).toBe(2);
    expect(await sales.countDocuments({ item: 'zzz' })).toBe(0);
    expect(await t.db.collection('missing-coll').countDocuments({})).toBe(0);
  });

  it('does not let a pipeline change stored documents', async () => {
    const sales = t.db.collection('sales');
    await sales.aggregate([{ $match: { _id: 1 } }, { $set: { qty: 999 } }, { $unset: 'price' }]).toArray();
    expect(await sales.findOne({ _id: 1 as never })).toEqual({
      _id: 1,
      item: 'a',
      qty: 2,
      price: 10,
      region: 'n',
    });
  });

  it('rejects an unknown stage', async () => {
    const error = await errorOf(
      t.db
        .collection('sales')
        .aggregate([{ $nonsense: {} }])
        .toArray(),
    );
    expect(error.code).toBe(40324);
  });
});
