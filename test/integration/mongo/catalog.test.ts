/**
 * Collections and databases: listCollections, create, drop, dropDatabase; plus count and distinct.
 */
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { errorOf, useTestDb } from './support.ts';

const t = useTestDb();

describe('collections', () => {
  it('lists collections, filtered by name and with nameOnly', async () => {
    await t.db.createCollection('alpha');
    await t.db.collection('beta').insertOne({ x: 1 });
    const all = await t.db.listCollections().toArray();
    expect(all.map((c) => c.name).sort()).toEqual(expect.arrayContaining(['alpha', 'beta']));
    const alpha = await t.db.listCollections({ name: 'alpha' }).toArray();
    expect(alpha).toHaveLength(1);
    expect(alpha[0]).toMatchObject({
      name: 'alpha',
      type: 'collection',
      idIndex: { key: { _id: 1 }, name: '_id_' },
    });
    expect(await t.db.listCollections({ name: 'beta' }, { nameOnly: true }).toArray()).toEqual([
      { name: 'beta', type: 'collection' },
    ]);
    expect(await t.db.listCollections({ name: 'gamma' }).toArray()).toEqual([]);
  });

  it('creates a collection explicitly; re-creating an existing one with other options fails', async () => {
    await t.db.createCollection('explicit');
    expect(await t.db.listCollections({ name: 'explicit' }, { nameOnly: true }).toArray()).toHaveLength(1);
    // Identical options: success since MongoDB 5.0.
    expect(await t.db.command({ create: 'explicit' })).toMatchObject({ ok: 1 });
  });

  it('drops a collection with its documents and indexes', async () => {
    const coll = t.db.collection('doomed');
    await coll.insertMany([{ a: 1 }, { a: 2 }]);
    await coll.createIndex({ a: 1 });
    expect(await coll.drop()).toBe(true);
    expect(await t.db.listCollections({ name: 'doomed' }).toArray()).toEqual([]);
    expect(await coll.countDocuments({})).toBe(0);
    await coll.insertOne({ a: 3 });
    expect((await coll.indexes()).map((index) => index.name)).toEqual(['_id_']);
  });

  it('drops a whole database', async () => {
    const name = `${process.env.MONGODB_DB}_drop`;
    const client = new MongoClient(process.env.MONGODB_URI!);
    try {
      const other = client.db(name);
      await other.collection('one').insertOne({ a: 1 });
      await other.collection('two').insertOne({ b: 1 });
      expect(await other.dropDatabase()).toBe(true);
      expect(await other.listCollections().toArray()).toEqual([]);
      expect(await other.collection('one').findOne({})).toBeNull();
    } finally {
      await client.close();
    }
  });

  it('lists databases from admin', async () => {
    await t.db.collection('present').insertOne({ a: 1 });
    const { databases } = await t.db.admin().listDatabases({ nameOnly: true });
    expect(databases.map((d) => d.name)).toContain(process.env.MONGODB_DB);
  });
});

describe('count and distinct', () => {
  it('counts with the count command (estimatedDocumentCount) and with a query', async () => {
    const coll = t.db.collection('counted');
    await coll.insertMany([{ k: 1 }, { k: 2 }, { k: 2 }, { k: 3 }]);
    expect(await coll.estimatedDocumentCount()).toBe(4);
    expect(await t.db.command({ count: 'counted', query: { k: 2 } })).toMatchObject({ n: 2, ok: 1 });
    expect(await t.db.command({ count: 'counted', query: {}, skip: 1, limit: 2 })).toMatchObject({ n: 2 });
    expect(await t.db.command({ count: 'nothing-here' })).toMatchObject({ n: 0, ok: 1 });
  });

  it('returns distinct values, unwinding arrays, with a query', async () => {
    const coll = t.db.collection('distinct');
    await coll.insertMany([
      { type: 'tm', tags: ['a', 'b'], nested: { v: 1 } },
      { type: 'external', tags: ['b', 'c'], nested: { v: 2 } },
      { type: 'tm', tags: [], nested: { v: 1 } },
      { other: true },
    ]);
    expect((await coll.distinct('type')).sort()).toEqual(['external', 'tm']);
    expect((await coll.distinct('tags')).sort()).toEqual(['a', 'b', 'c']);
    expect((await coll.distinct('tags', { type: 'tm' })).sort()).toEqual(['a', 'b']);
    expect((await coll.distinct('nested.v')).sort()).toEqual([1, 2]);
    expect(await coll.distinct('missing')).toEqual([]);
    expect(await t.db.collection('no-such-collection').distinct('x')).toEqual([]);
  });

  it('rejects an invalid namespace', async () => {
    const error = await errorOf(t.db.command({ find: '' }));
    expect(error.code).toBe(73);
  });
});
