/**
 * findAndModify through findOneAndUpdate / findOneAndReplace / findOneAndDelete.
 */
import { describe, expect, it } from 'vitest';
import { errorOf, useTestDb } from './support.ts';

const t = useTestDb();

describe('findOneAndUpdate', () => {
  it('returns the document before or after the update', async () => {
    const coll = t.db.collection('fam');
    await coll.insertOne({ _id: 'a' as never, n: 1 });
    expect(await coll.findOneAndUpdate({ _id: 'a' as never }, { $inc: { n: 1 } })).toEqual({
      _id: 'a',
      n: 1,
    });
    expect(
      await coll.findOneAndUpdate({ _id: 'a' as never }, { $inc: { n: 1 } }, { returnDocument: 'after' }),
    ).toEqual({
      _id: 'a',
      n: 3,
    });
    expect(await coll.findOneAndUpdate({ _id: 'zz' as never }, { $inc: { n: 1 } })).toBeNull();
  });

  it('upserts and returns the new document, with metadata when asked', async () => {
    const coll = t.db.collection('fam-upsert');
    const doc = await coll.findOneAndUpdate(
      { _id: 'imp-1' as never },
      { $set: { status: 'running' }, $setOnInsert: { startedAt: new Date('2025-01-01T00:00:00Z') } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(doc).toEqual({ _id: 'imp-1', status: 'running', startedAt: new Date('2025-01-01T00:00:00Z') });
    const withMeta = await coll.findOneAndUpdate(
      { _id: 'imp-2' as never },
      { $set: { status: 'running' } },
      { upsert: true, returnDocument: 'before', includeResultMetadata: true },
    );
    expect(withMeta.value).toBeNull();
    expect(withMeta.lastErrorObject).toMatchObject({ n: 1, updatedExisting: false, upserted: 'imp-2' });
    const existing = await coll.findOneAndUpdate(
      { _id: 'imp-2' as never },
      { $set: { status: 'done' } },
      { upsert: true, includeResultMetadata: true },
    );
    expect(existing.lastErrorObject).toMatchObject({ n: 1, updatedExisting: true });
    expect(existing.value).toEqual({ _id: 'imp-2', status: 'running' });
  });

  it('picks the first document in sort order and applies the projection', async () => {
    const coll = t.db.collection('fam-sort');
    await coll.insertMany([
      { _id: 1 as never, q: 'x', p: 3, secret: 's1' },
      { _id: 2 as never, q: 'x', p: 1, secret: 's2' },
      { _id: 3 as never, q: 'x', p: 2, secret: 's3' },
    ]);
    const doc = await coll.findOneAndUpdate(
      { q: 'x' },
      { $set: { taken: true } },
      { sort: { p: 1 }, projection: { secret: 0 }, returnDocument: 'after' },
    );
    expect(doc).toEqual({ _id: 2, q: 'x', p: 1, taken: true });
    expect(await coll.countDocuments({ taken: true })).toBe(1);
  });

  it('reports a duplicate key created by an upsert as E11000', async () => {
    const coll = t.db.collection('fam-unique');
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.insertOne({ email: 'a@x.io' });
    const error = await errorOf(
      coll.findOneAndUpdate({ email: 'b@x.io' }, { $set: { email: 'a@x.io' } }, { upsert: true }),
    );
    expect(error).toMatchObject({ code: 11000, keyValue: { email: 'a@x.io' } });
  });
});

describe('findOneAndReplace and findOneAndDelete', () => {
  it('replaces and deletes, returning the affected document', async () => {
    const coll = t.db.collection('fam-other');
    await coll.insertMany([
      { _id: 'r' as never, v: 1 },
      { _id: 'd' as never, v: 2 },
    ]);
    expect(
      await coll.findOneAndReplace({ _id: 'r' as never }, { w: 9 }, { returnDocument: 'after' }),
    ).toEqual({
      _id: 'r',
      w: 9,
    });
    expect(await coll.findOneAndDelete({ _id: 'd' as never })).toEqual({ _id: 'd', v: 2 });
    expect(await coll.findOneAndDelete({ _id: 'd' as never })).toBeNull();
    expect(await coll.find({}).toArray()).toEqual([{ _id: 'r', w: 9 }]);
  });
});
