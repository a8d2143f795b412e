/**
 * Features at the edge of what the embedded server implements: each must give MongoDB 7.0's
 * answer or be refused with the error of an unsupported feature — never a different answer.
 * Written so they pass against a real mongod too (which implements collation).
 */
import { type Document, MongoServerError } from 'mongodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorOf, useTestDb } from './support.ts';

const t = useTestDb();
const COMMAND_NOT_SUPPORTED = 115;

type Doc = { _id: number; [field: string]: unknown };
const items = () => t.db.collection<Doc>('items');

beforeEach(async () => {
  await items().deleteMany({});
  await items().insertMany([
    { _id: 1, s: 'apple', x: 1, t: { u: { v: 1 } } },
    { _id: 2, s: 'Apple', x: 2, t: { u: { v: 2 } } },
    { _id: 3, s: 'banana', x: 3, t: { u: { v: 3 } } },
  ]);
});

/** Either refused as unsupported, or the collated (case-insensitive) answer. */
async function collatedOrRefused<T>(operation: () => Promise<T>, collatedAnswer: (result: T) => void) {
  let result: T;
  try {
    result = await operation();
  } catch (error) {
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(COMMAND_NOT_SUPPORTED);
    expect((error as MongoServerError).message).toMatch(/collation/);
    return;
  }
  collatedAnswer(result);
}

describe('collation (case-insensitive: strength 2)', () => {
  const collation = { locale: 'en', strength: 2 };

  it('find, count, distinct and aggregate', async () => {
    await collatedOrRefused(
      () => items().find({ s: 'APPLE' }, { collation }).toArray(),
      (docs) => expect(docs.map((doc) => doc._id)).toEqual([1, 2]),
    );
    await collatedOrRefused(
      () => items().countDocuments({ s: 'APPLE' }, { collation }),
      (n) => expect(n).toBe(2),
    );
    await collatedOrRefused(
      () => items().distinct('s', { s: 'APPLE' }, { collation }),
      (values) => expect(values).toHaveLength(1),
    );
    await collatedOrRefused(
      () =>
        items()
          .aggregate([{ $match: { s: 'APPLE' } }], { collation })
          .toArray(),
      (docs) => expect(docs).toHaveLength(2),
    );
  });

  it('update, delete, bulkWrite and findAndModify', async () => {
    await collatedOrRefused(
      () => items().updateMany({ s: 'APPLE' }, { $set: { hit: true } }, { collation }),
      (result) => expect(result.matchedCount).toBe(2),
    );
    await collatedOrRefused(
      () => items().findOneAndUpdate({ s: 'BANANA' }, { $set: { hit: true } }, { collation }),
      (doc) => expect(doc?._id).toBe(3),
    );
    await collatedOrRefused(
      () => items().bulkWrite([{ deleteMany: { filter: { s: 'APPLE' }, collation } }]),
      (result) => expect(result.deletedCount).toBe(2),
    );
    await collatedOrRefused(
      () => items().deleteOne({ s: 'BANANA' }, { collation }),
      (result) => expect(result.deletedCount).toBe(1),
    );
  });

  it('the simple collation is the default comparison', async () => {
    const docs = await items()
      .find({ s: 'apple' }, { collation: { locale: 'simple' } })
      .toArray();
    expect(docs.map((doc) => doc._id)).toEqual([1]);
  });
});

describe('let variables', () => {
  it('aggregate evaluates its let values as expressions', async () => {
    const rows = await items()
      .aggregate([{ $match: { _id: 1 } }, { $project: { literal: '$$a', sum: '$$b' } }], {
        let: { a: { $literal: '$x' }, b: { $add: [1, 2] } },
      })
      .toArray();
    expect(rows).toEqual([{ _id: 1, literal: '$x', sum: 3 }]);
  });

  it('a delete filter sees the command let', async () => {
    const result = await items().deleteMany({ $expr: { $eq: ['$x', '$$target'] } }, { let: { target: 2 } });
    expect(result.deletedCount).toBe(1);
    expect(await items().countDocuments()).toBe(2);
  });

  it('an update pipeline and its filter see the command let', async () => {
    const result = await items().updateOne(
      { $expr: { $eq: ['$x', '$$target'] } },
      [{ $set: { y: '$$value' } }],
      { let: { target: 3, value: 'set-from-let' } },
    );
    expect(result.modifiedCount).toBe(1);
    expect(await items().findOne({ _id: 3 })).toMatchObject({ y: 'set-from-let' });
  });
});

describe('update with sort (MongoDB 8.0; this server reports 7.0)', () => {
  it('updateOne and replaceOne with sort are refused as 7.0 refuses them', async () => {
    const update = await errorOf(
      t.db
        .command({ update: 'items', updates: [{ q: {}, u: { $set: { z: 1 } }, sort: { _id: -1 } }] })
        .then((reply: Document) => {
          // A statement-level refusal is reported as a write error.
          if (reply.writeErrors) throw reply.writeErrors[0];
          return reply;
        }),
    );
    expect(update.code).toBe(40415);
    expect(String(update.errmsg ?? update.message)).toMatch(/'update\.updates\.sort' is an unknown field/);
    expect(await items().countDocuments({ z: 1 })).toBe(0);
  });
});

describe('pipeline updates', () => {
  it('$replaceRoot without _id keeps the document _id', async () => {
    await items().updateOne({ _id: 1 }, [{ $replaceRoot: { newRoot: '$t' } }, { $addFields: { foo: 1 } }]);
    expect(await items().findOne({ _id: 1 })).toEqual({ _id: 1, u: { v: 1 }, foo: 1 });
  });

  it('a pipeline that changes _id is refused (ImmutableField)', async () => {
    const error = await errorOf(items().updateOne({ _id: 1 }, [{ $set: { _id: 99 } }]));
    expect(error.code).toBe(66);
  });

  it('$setField works in aggregate and in an update pipeline', async () => {
    const rows = await items()
      .aggregate([
        { $match: { _id: 1 } },
        { $replaceWith: { $setField: { field: 'a.b', input: { _id: '$_id' }, value: 5 } } },
      ])
      .toArray();
    expect(rows).toEqual([{ _id: 1, 'a.b': 5 }]);
    await items().updateOne({ _id: 2 }, [
      { $replaceWith: { $setField: { field: 'price', input: '$$ROOT', value: 7 } } },
    ]);
    expect(await items().findOne({ _id: 2 })).toMatchObject({ _id: 2, s: 'Apple', price: 7 });
  });
});

describe('_id values', () => {
  it('refuses an _id holding a $-prefixed field (insert, upsert)', async () => {
    const inserted = await errorOf(t.db.collection('ids').insertOne({ _id: { $a: 1 } as never }));
    expect(inserted.code).toBe(52);
    expect(String(inserted.message)).toMatch(/_id fields may not contain '\$'-prefixed fields/);
    const upserted = await errorOf(
      t.db
        .collection('ids')
        .replaceOne({ _id: { k: 1 } as never }, { _id: { $b: 1 }, v: 1 } as never, { upsert: true }),
    );
    expect(upserted.code).toBe(52);
    expect(await t.db.collection('ids').countDocuments()).toBe(0);
  });
});
