/**
 * Indexes: idempotent creation, conflicts (85/86), unique enforcement, listIndexes, dropIndexes.
 */
import { describe, expect, it } from 'vitest';
import { errorOf, useTestDb } from './support.ts';

const t = useTestDb();
const CODES_INDEX = { '_id.campaign_id': 1, type: 1, 'date.assigned': 1, 'date.reserved': 1 } as const;

describe('createIndexes', () => {
  it('creates an index, and re-creating the same one is a no-op', async () => {
    const coll = t.db.collection('idem');
    const name = await coll.createIndex(CODES_INDEX);
    expect(name).toBe('_id.campaign_id_1_type_1_date.assigned_1_date.reserved_1');
    expect(await coll.createIndex(CODES_INDEX)).toBe(name);
    const raw = await t.db.command({
      createIndexes: 'idem',
      indexes: [{ key: { reserveId: 1 }, name: 'reserveId_1' }],
    });
    expect(raw).toMatchObject({ ok: 1, numIndexesBefore: 2, numIndexesAfter: 3 });
    const again = await t.db.command({
      createIndexes: 'idem',
      indexes: [{ key: { reserveId: 1 }, name: 'reserveId_1' }],
    });
    expect(again).toMatchObject({
      ok: 1,
      numIndexesBefore: 3,
      numIndexesAfter: 3,
      note: 'all indexes already exist',
    });
    const indexes = await coll.indexes();
    expect(indexes.map((index) => [index.name, index.key])).toEqual([
      ['_id_', { _id: 1 }],
      [name, CODES_INDEX],
      ['reserveId_1', { reserveId: 1 }],
    ]);
  });

  it('creates the collection when needed', async () => {
    const reply = await t.db.command({ createIndexes: 'fresh', indexes: [{ key: { a: 1 }, name: 'a_1' }] });
    expect(reply).toMatchObject({
      ok: 1,
      createdCollectionAutomatically: true,
      numIndexesBefore: 1,
      numIndexesAfter: 2,
    });
  });

  it('rejects the same name with other options (IndexOptionsConflict, 85)', async () => {
    const coll = t.db.collection('conflict85');
    await coll.createIndex({ a: 1 });
    const error = await errorOf(coll.createIndex({ a: 1 }, { unique: true }));
    expect(error).toMatchObject({ code: 85, codeName: 'IndexOptionsConflict' });
  });

  it('rejects the same key and options under another name (IndexOptionsConflict, 85)', async () => {
    const coll = t.db.collection('conflict85b');
    await coll.createIndex({ a: 1 });
    const error = await errorOf(coll.createIndex({ a: 1 }, { name: 'another_name' }));
    expect(error).toMatchObject({ code: 85, codeName: 'IndexOptionsConflict' });
  });

  it('rejects the same name for another key (IndexKeySpecsConflict, 86)', async () => {
    const coll = t.db.collection('conflict86');
    await coll.createIndex({ a: 1 }, { name: 'my_index' });
    const error = await errorOf(coll.createIndex({ b: 1 }, { name: 'my_index' }));
    expect(error).toMatchObject({ code: 86, codeName: 'IndexKeySpecsConflict' });
  });
});

describe('unique indexes', () => {
  it('rejects duplicates on insert and update with E11000', async () => {
    const coll = t.db.collection('users');
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.insertOne({ _id: 1 as never, email: 'a@x.io' });
    await coll.insertOne({ _id: 2 as never, email: 'b@x.io' });
    const insertError = await errorOf(coll.insertOne({ _id: 3 as never, email: 'a@x.io' }));
    expect(insertError).toMatchObject({
      code: 11000,
      keyPattern: { email: 1 },
      keyValue: { email: 'a@x.io' },
      errmsg: `E11000 duplicate key error collection: ${process.env.MONGODB_DB}.users index: email_1 dup key: { email: "a@x.io" }`,
    });
    const updateError = await errorOf(coll.updateOne({ _id: 2 as never }, { $set: { email: 'a@x.io' } }));
    expect(updateError).toMatchObject({ code: 11000, keyValue: { email: 'a@x.io' } });
    expect(await coll.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, email: 'a@x.io' },
      { _id: 2, email: 'b@x.io' },
    ]);
    // Updating a document to its own value is not a conflict.
    expect(
      await coll.updateOne({ _id: 1 as never }, { $set: { email: 'a@x.io', seen: true } }),
    ).toMatchObject({
      modifiedCount: 1,
    });
  });

  it('enforces compound unique keys and treats a missing field as null', async () => {
    const coll = t.db.collection('compound-unique');
    await coll.createIndex({ a: 1, b: 1 }, { unique: true });
    await coll.insertMany([{ a: 1, b: 1 }, { a: 1, b: 2 }, { a: 2 }]);
    expect(await errorOf(coll.insertOne({ a: 1, b: 2 }))).toMatchObject({
      code: 11000,
      keyValue: { a: 1, b: 2 },
    });
    expect(await errorOf(coll.insertOne({ a: 2, b: null }))).toMatchObject({
      code: 11000,
      keyValue: { a: 2, b: null },
    });
  });

  it('applies the other operations of an unordered batch around a unique violation', async () => {
    const coll = t.db.collection('unique-batch');
    await coll.createIndex({ sku: 1 }, { unique: true });
    const error = await errorOf(
      coll.insertMany([{ sku: 'a' }, { sku: 'b' }, { sku: 'a' }, { sku: 'c' }], { ordered: false }),
    );
    expect((error.writeErrors as Array<{ index: number }>).map((e) => e.index)).toEqual([2]);
    expect(
      (
        await coll
          .find({}, { projection: { _id: 0 } })
          .sort({ sku: 1 })
          .toArray()
      ).map((d) => d.sku),
    ).toEqual(['a', 'b', 'c']);
  });

  it('refuses to build a unique index over existing duplicates', async () => {
    const coll = t.db.collection('dirty');
    await coll.insertMany([{ k: 1 }, { k: 1 }]);
    const error = await errorOf(coll.createIndex({ k: 1 }, { unique: true }));
    expect(error.code).toBe(11000);
    expect((await coll.indexes()).map((index) => index.name)).toEqual(['_id_']);
  });

  it('lets documents that share a value under a sparse unique index miss the field', async () => {
    const coll = t.db.collection('sparse-unique');
    await coll.createIndex({ tag: 1 }, { unique: true, sparse: true });
    await coll.insertMany([{ n: 1 }, { n: 2 }, { tag: 'x' }]);
    expect(await errorOf(coll.insertOne({ tag: 'x' }))).toMatchObject({ code: 11000 });
  });
});

describe('listIndexes and dropIndexes', () => {
  it('lists index specs with their options', async () => {
    const coll = t.db.collection('listed');
    await coll.createIndex({ a: 1 }, { unique: true });
    await coll.createIndex({ b: -1, c: 1 }, { name: 'bc' });
    const indexes = await coll.listIndexes().toArray();
    expect(indexes).toHaveLength(3);
    expect(indexes[0]).toMatchObject({ v: 2, key: { _id: 1 }, name: '_id_' });
    expect(indexes[1]).toMatchObject({ key: { a: 1 }, name: 'a_1', unique: true });
    expect(indexes[2]).toMatchObject({ key: { b: -1, c: 1 }, name: 'bc' });
  });

  it('reports NamespaceNotFound (26) for listIndexes on a missing collection', async () => {
    const error = await errorOf(t.db.command({ listIndexes: 'does-not-exist' }));
    expect(error).toMatchObject({ code: 26, codeName: 'NamespaceNotFound' });
  });

  it('drops indexes by name, by key, and all at once; never _id_', async () => {
    const coll = t.db.collection('dropping');
    await coll.createIndex({ a: 1 });
    await coll.createIndex({ b: 1 });
    await coll.createIndex({ c: 1 });
    await coll.dropIndex('a_1');
    await coll.dropIndex({ b: 1 } as never);
    expect((await coll.indexes()).map((index) => index.name)).toEqual(['_id_', 'c_1']);
    expect(await errorOf(coll.dropIndex('nope_1'))).toMatchObject({ code: 27, codeName: 'IndexNotFound' });
    expect(await errorOf(coll.dropIndex('_id_'))).toMatchObject({ code: 72, codeName: 'InvalidOptions' });
    await coll.createIndex({ d: 1 });
    await coll.dropIndexes();
    expect((await coll.indexes()).map((index) => index.name)).toEqual(['_id_']);
  });

  it('keeps answering queries correctly after an index is dropped', async () => {
    const coll = t.db.collection('drop-then-query');
    await coll.createIndex({ g: 1, h: 1 });
    await coll.insertMany([
      { g: 1, h: 1 },
      { g: 1, h: 2 },
      { g: 2, h: 1 },
    ]);
    expect(await coll.countDocuments({ g: 1 })).toBe(2);
    await coll.dropIndexes();
    expect(await coll.countDocuments({ g: 1 })).toBe(2);
    expect(await coll.countDocuments({ g: 1, h: { $gt: 1 } })).toBe(1);
  });
});
