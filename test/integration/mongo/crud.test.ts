/**
 * insert / find / update / delete through the driver, with MongoDB's documented results.
 */
import { Binary, Decimal128, Double, Int32, Long, MongoClient, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { errorOf, useTestDb } from './support.ts';

const t = useTestDb();

describe('insert and find', () => {
  it('creates the collection implicitly on the first insert', async () => {
    const before = await t.db.listCollections({ name: 'implicit' }).toArray();
    expect(before).toEqual([]);
    await t.db.collection('implicit').insertOne({ a: 1 });
    const after = await t.db.listCollections({ name: 'implicit' }, { nameOnly: true }).toArray();
    expect(after.map((c) => c.name)).toEqual(['implicit']);
  });

  it('stores _id first and keeps the field order of the inserted document', async () => {
    const coll = t.db.collection('order');
    await coll.insertOne({ z: 1, a: 2, _id: 'x' as never, m: { y: 1, b: 2 } });
    const doc = await coll.findOne({ _id: 'x' as never });
    expect(Object.keys(doc!)).toEqual(['_id', 'z', 'a', 'm']);
    expect(Object.keys(doc!.m)).toEqual(['y', 'b']);
  });

  it('generates an ObjectId _id when none is given', async () => {
    const coll = t.db.collection('generated');
    const { insertedId } = await coll.insertOne({ a: 1 });
    expect(insertedId).toBeInstanceOf(ObjectId);
    expect(await coll.findOne({ _id: insertedId })).toEqual({ _id: insertedId, a: 1 });
  });

  it('preserves BSON types (Date, ObjectId, Long, Int32, Double, Decimal128, Binary, nested arrays)', async () => {
    const raw = new MongoClient(process.env.MONGODB_URI!, { promoteLongs: false, promoteValues: false });
    try {
      await raw.connect();
      const coll = raw.db(process.env.MONGODB_DB).collection('types');
      const oid = new ObjectId();
      const date = new Date('2024-05-06T07:08:09.010Z');
      await coll.insertOne({
        _id: 'types' as never,
        date,
        oid,
        long: Long.fromString('9007199254740993'),
        int: new Int32(7),
        dbl: new Double(2.5),
        dec: Decimal128.fromString('1.10'),
        bin: new Binary(Buffer.from([1, 2, 3]), 0),
        nested: [1, [2, 3], { k: 'v' }],
        nil: null,
      });
      const doc = await coll.findOne({ _id: 'types' as never });
      expect(doc!.date).toEqual(date);
      expect((doc!.oid as ObjectId).equals(oid)).toBe(true);
      expect(doc!.long).toBeInstanceOf(Long);
      expect((doc!.long as Long).toString()).toBe('9007199254740993');
      expect((doc!.int as Int32).value).toBe(7);
      expect((doc!.dbl as Double).value).toBe(2.5);
      expect((doc!.dec as Decimal128).toString()).toBe('1.10');
      expect(Buffer.from((doc!.bin as Binary).buffer)).toEqual(Buffer.from([1, 2, 3]));
      expect(doc!.nil).toBeNull();
    } finally {
      await raw.close();
    }
  });

  it('filters, projects, sorts, skips and limits', async () => {
    const coll = t.db.collection('people');
    await coll.insertMany([
      { _id: 1 as never, name: 'ann', age: 31, tags: ['a', 'b'], address: { city: 'Oslo', zip: '0150' } },
      { _id: 2 as never, name: 'bob', age: 25, tags: ['b'], address: { city: 'Bergen', zip: '5003' } },
      { _id: 3 as never, name: 'cid', age: 42, tags: [], address: { city: 'Oslo', zip: '0151' } },
      { _id: 4 as never, name: 'dan', age: 25, address: { city: 'Tromsø', zip: '9008' } },
    ]);
    expect(
      await coll
        .find({ age: { $gte: 30 } })
        .sort({ age: 1 })
        .toArray(),
    ).toMatchObject([{ _id: 1 }, { _id: 3 }]);
    expect(
      await coll
        .find({ 'address.city': 'Oslo' }, { projection: { name: 1 } })
        .sort({ _id: 1 })
        .toArray(),
    ).toEqual([
      { _id: 1, name: 'ann' },
      { _id: 3, name: 'cid' },
    ]);
    expect(
      await coll
        .find({}, { projection: { _id: 0, name: 1, 'address.zip': 1 } })
        .sort({ age: -1, name: 1 })
        .skip(1)
        .limit(2)
        .toArray(),
    ).toEqual([
      { name: 'ann', address: { zip: '0150' } },
      { name: 'bob', address: { zip: '5003' } },
    ]);
    expect(
      await coll
        .find({ tags: 'b' }, { projection: { address: 0, tags: 0 } })
        .sort({ _id: 1 })
        .toArray(),
    ).toEqual([
      { _id: 1, name: 'ann', age: 31 },
      { _id: 2, name: 'bob', age: 25 },
    ]);
    expect(await coll.find({ tags: { $exists: false } }).toArray()).toMatchObject([{ _id: 4 }]);
    expect(
      await coll
        .find({ $or: [{ name: 'bob' }, { age: 42 }] })
        .sort({ _id: -1 })
        .toArray(),
    ).toMatchObject([{ _id: 3 }, { _id: 2 }]);
    expect(await coll.find({ name: /^c/ }).toArray()).toMatchObject([{ _id: 3 }]);
    expect(await coll.findOne({ _id: 99 as never })).toBeNull();
  });

  it('treats field order inside an embedded _id as significant', async () => {
    const coll = t.db.collection('compound');
    await coll.insertOne({ _id: { a: 1, b: 2 } as never, v: 'ab' });
    expect(await coll.findOne({ _id: { a: 1, b: 2 } as never })).toEqual({ _id: { a: 1, b: 2 }, v: 'ab' });
    expect(await coll.findOne({ _id: { b: 2, a: 1 } as never })).toBeNull();
    // {b, a} is a different value, so it is not a duplicate of {a, b}.
    await coll.insertOne({ _id: { b: 2, a: 1 } as never, v: 'ba' });
    expect(await coll.countDocuments({})).toBe(2);
    const ids = (await coll.find({}).toArray()).map((d) => Object.keys(d._id as object).join(''));
    expect(ids.sort()).toEqual(['ab', 'ba']);
  });

  it('reports a duplicate _id as E11000 with keyPattern and keyValue', async () => {
    const coll = t.db.collection('dups');
    await coll.insertOne({ _id: 'a' as never });
    const error = await errorOf(coll.insertOne({ _id: 'a' as never, other: true }));
    expect(error).toMatchObject({
      code: 11000,
      keyPattern: { _id: 1 },
      keyValue: { _id: 'a' },
      errmsg: `E11000 duplicate key error collection: ${process.env.MONGODB_DB}.dups index: _id_ dup key: { _id: "a" }`,
    });
    expect(await coll.find({}).toArray()).toEqual([{ _id: 'a' }]);
  });
});

describe('updates', () => {
  it('counts matched and modified like mongod (a $set to the same value is not a modification)', async () => {
    const coll = t.db.collection('counts');
    await coll.insertMany([
      { _id: 1 as never, v: 1, g: 'x' },
      { _id: 2 as never, v: 2, g: 'x' },
      { _id: 3 as never, v: 3, g: 'y' },
    ]);
    expect(await coll.updateOne({ _id: 1 as never }, { $set: { v: 1 } })).toMatchObject({
      matchedCount: 1,
      modifiedCount: 0,
      upsertedCount: 0,
      upsertedId: null,
    });
    expect(await coll.updateMany({ g: 'x' }, { $set: { v: 2 } })).toMatchObject({
      matchedCount: 2,
      modifiedCount: 1,
    });
    expect(await coll.updateMany({ g: 'z' }, { $set: { v: 0 } })).toMatchObject({
      matchedCount: 0,
      modifiedCount: 0,
    });
    expect(await coll.updateOne({ _id: 3 as never }, { $inc: { v: 5 }, $set: { h: true } })).toMatchObject({
      matchedCount: 1,
      modifiedCount: 1,
    });
    expect(await coll.findOne({ _id: 3 as never })).toEqual({ _id: 3, v: 8, g: 'y', h: true });
  });

  it('unsets dotted fields and top-level fields', async () => {
    const coll = t.db.collection('unset');
    const saved = new Date('2024-01-01T00:00:00Z');
    const reserved = new Date('2024-01-02T00:00:00Z');
    await coll.insertOne({ _id: 'u' as never, reserveId: 'r1', date: { saved, reserved } });
    const result = await coll.updateMany({}, { $unset: { 'date.reserved': '', reserveId: '' } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await coll.findOne({ _id: 'u' as never })).toEqual({ _id: 'u', date: { saved } });
    // Unsetting fields that are already absent modifies nothing.
    expect(await coll.updateMany({}, { $unset: { 'date.reserved': '', reserveId: '' } })).toMatchObject({
      matchedCount: 1,
      modifiedCount: 0,
    });
  });

  it('upserts with $set and $setOnInsert, taking equality fields from the filter', async () => {
    const coll = t.db.collection('upserts');
    const first = await coll.updateOne(
      { _id: 'k' as never, kind: 'a' },
      { $set: { n: 1 }, $setOnInsert: { created: true } },
      { upsert: true },
    );
    expect(first).toMatchObject({ matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: 'k' });
    expect(await coll.findOne({ _id: 'k' as never })).toEqual({ _id: 'k', kind: 'a', n: 1, created: true });
    const second = await coll.updateOne(
      { _id: 'k' as never, kind: 'a' },
      { $set: { n: 2 }, $setOnInsert: { created: false } },
      { upsert: true },
    );
    expect(second).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
    expect(await coll.findOne({ _id: 'k' as never })).toEqual({ _id: 'k', kind: 'a', n: 2, created: true });
  });

  it('upserts a compound _id from the filter, keeping its field order', async () => {
    const coll = t.db.collection('compound-upsert');
    const result = await coll.updateOne(
      { _id: { campaign_id: 'c1', code: 'ABC' } as never },
      {
        $set: { type: 'tm', 'date.saved': new Date('2024-01-01T00:00:00Z') },
        $setOnInsert: { origin: 'import' },
      },
      { upsert: true },
    );
    expect(result.upsertedId).toEqual({ campaign_id: 'c1', code: 'ABC' });
    const doc = await coll.findOne({ _id: { campaign_id: 'c1', code: 'ABC' } as never });
    expect(doc).toEqual({
      _id: { campaign_id: 'c1', code: 'ABC' },
      type: 'tm',
      date: { saved: new Date('2024-01-01T00:00:00Z') },
      origin: 'import',
    });
    // The _id comes first; fields created by the update follow in lexicographic order (MongoDB 5.0+).
    expect(Object.keys(doc!)).toEqual(['_id', 'date', 'origin', 'type']);
    expect(Object.keys(doc!._id as object)).toEqual(['campaign_id', 'code']);
  });

  it('keeps existing fields in place and appends new ones in lexicographic order', async () => {
    const coll = t.db.collection('field-order');
    await coll.insertOne({ _id: 'o' as never, m: 1, b: 2 });
    await coll.updateOne({ _id: 'o' as never }, { $set: { z: 1, b: 3, a: 1 }, $inc: { c: 1 } });
    const doc = await coll.findOne({ _id: 'o' as never });
    expect(doc).toEqual({ _id: 'o', m: 1, b: 3, a: 1, c: 1, z: 1 });
    expect(Object.keys(doc!)).toEqual(['_id', 'm', 'b', 'a', 'c', 'z']);
  });

  it('builds the upserted document from dotted equality fields', async () => {
    const coll = t.db.collection('dotted-upsert');
    await coll.updateOne({ 'a.b': 1, c: { $gt: 5 } }, { $set: { d: 2 } }, { upsert: true });
    const doc = await coll.findOne({});
    expect(doc).toMatchObject({ a: { b: 1 }, d: 2 });
    expect(doc).not.toHaveProperty('c');
    expect(doc!._id).toBeInstanceOf(ObjectId);
  });

  it('replaces documents, keeping _id', async () => {
    const coll = t.db.collection('replace');
    await coll.insertOne({ _id: 'r' as never, a: 1, b: 2 });
    expect(await coll.replaceOne({ _id: 'r' as never }, { c: 3 })).toMatchObject({
      matchedCount: 1,
      modifiedCount: 1,
    });
    expect(await coll.findOne({ _id: 'r' as never })).toEqual({ _id: 'r', c: 3 });
    expect(await coll.replaceOne({ _id: 'missing' as never }, { c: 4 }, { upsert: true })).toMatchObject({
      upsertedCount: 1,
      upsertedId: 'missing',
    });
  });

  it('refuses to modify _id', async () => {
    const coll = t.db.collection('immutable');
    await coll.insertOne({ _id: 'i' as never, a: 1 });
    const error = await errorOf(coll.updateOne({ _id: 'i' as never }, { $set: { _id: 'j' } }));
    expect(error.code).toBe(66);
  });

  it('refuses an unknown update operator with a write error (FailedToParse)', async () => {
    const coll = t.db.collection('badop');
    await coll.insertOne({ _id: 'b' as never, a: 1 });
    const reply = await t.db.command({ update: 'badop', updates: [{ q: {}, u: { $frobnicate: { a: 1 } } }] });
    expect(reply).toMatchObject({ ok: 1, n: 0, nModified: 0 });
    expect(reply.writeErrors).toHaveLength(1);
    expect(reply.writeErrors[0]).toMatchObject({ index: 0, code: 9 });
    expect(await coll.findOne({ _id: 'b' as never })).toEqual({ _id: 'b', a: 1 });
  });
});

describe('deletes', () => {
  it('deletes one or many', async () => {
    const coll = t.db.collection('deletes');
    await coll.insertMany([{ g: 1 }, { g: 1 }, { g: 1 }, { g: 2 }]);
    expect(await coll.deleteOne({ g: 1 })).toMatchObject({ deletedCount: 1 });
    expect(await coll.deleteMany({ g: 1 })).toMatchObject({ deletedCount: 2 });
    expect(await coll.deleteMany({ g: 3 })).toMatchObject({ deletedCount: 0 });
    expect(await coll.countDocuments({})).toBe(1);
  });
});
