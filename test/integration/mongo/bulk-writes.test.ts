/**
 * Bulk writes: the importer's unordered upserts of compound `_id`s with exact result counts, and
 * duplicate-key errors in ordered and unordered batches.
 */
import { type AnyBulkWriteOperation, MongoBulkWriteError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { errorOf, useTestDb } from './support.ts';

interface CodeDoc {
  _id: { campaign_id: string; code: string };
  type: 'tm' | 'external';
  reserveId?: string;
  date: { saved: Date; reserved?: Date; assigned?: Date };
}

const t = useTestDb();

function upserts(
  campaignId: string,
  codes: string[],
  type: 'tm' | 'external',
  now: Date,
): AnyBulkWriteOperation<CodeDoc>[] {
  return codes.map((code) => ({
    updateOne: {
      filter: { _id: { campaign_id: campaignId, code } },
      update: { $set: { type, 'date.saved': now } },
      upsert: true,
    },
  }));
}

describe('importer bulk upserts', () => {
  it('reports upserted, matched and modified counts and upsertedIds by operation index', async () => {
    const codes = t.db.collection<CodeDoc>('codes-bulk');
    const first = new Date('2025-01-01T00:00:00Z');
    const result = await codes.bulkWrite(upserts('c1', ['A', 'B', 'C'], 'tm', first), { ordered: false });
    expect(result).toMatchObject({ upsertedCount: 3, matchedCount: 0, modifiedCount: 0, insertedCount: 0 });
    expect(result.upsertedIds).toEqual({
      0: { campaign_id: 'c1', code: 'A' },
      1: { campaign_id: 'c1', code: 'B' },
      2: { campaign_id: 'c1', code: 'C' },
    });

    // Re-import with a later timestamp plus new codes: existing ones are matched and modified.
    const second = new Date('2025-01-02T00:00:00Z');
    const again = await codes.bulkWrite(upserts('c1', ['B', 'C', 'D', 'E'], 'tm', second), {
      ordered: false,
    });
    expect(again).toMatchObject({ upsertedCount: 2, matchedCount: 2, modifiedCount: 2 });
    expect(again.upsertedIds).toEqual({
      2: { campaign_id: 'c1', code: 'D' },
      3: { campaign_id: 'c1', code: 'E' },
    });

    // Same values again: matched but not modified.
    const same = await codes.bulkWrite(upserts('c1', ['D', 'E'], 'tm', second), { ordered: false });
    expect(same).toMatchObject({ upsertedCount: 0, matchedCount: 2, modifiedCount: 0 });

    expect(await codes.findOne({ _id: { campaign_id: 'c1', code: 'A' } })).toEqual({
      _id: { campaign_id: 'c1', code: 'A' },
      type: 'tm',
      date: { saved: first },
    });
    expect(await codes.findOne({ _id: { campaign_id: 'c1', code: 'C' } })).toEqual({
      _id: { campaign_id: 'c1', code: 'C' },
      type: 'tm',
      date: { saved: second },
    });
    expect(await codes.countDocuments({ '_id.campaign_id': 'c1' })).toBe(5);
  });

  it('never touches reservation fields when re-importing', async () => {
    const codes = t.db.collection<CodeDoc>('codes-keep');
    const saved = new Date('2025-01-01T00:00:00Z');
    const reserved = new Date('2025-01-05T00:00:00Z');
    await codes.insertOne({
      _id: { campaign_id: 'c', code: 'K' },
      type: 'tm',
      reserveId: 'r',
      date: { saved, reserved },
    });
    const later = new Date('2025-01-06T00:00:00Z');
    const result = await codes.bulkWrite(upserts('c', ['K'], 'external', later), { ordered: false });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect(await codes.findOne({})).toEqual({
      _id: { campaign_id: 'c', code: 'K' },
      type: 'external',
      reserveId: 'r',
      date: { saved: later, reserved },
    });
  });

  it('handles a 20 000-operation unordered batch with exact counts', async () => {
    const codes = t.db.collection<CodeDoc>('codes-big');
    const now = new Date('2025-01-01T00:00:00Z');
    const names = Array.from({ length: 20_000 }, (_, i) => `K${String(i).padStart(6, '0')}`);
    const result = await codes.bulkWrite(upserts('big', names, 'tm', now), { ordered: false });
    expect(result.upsertedCount).toBe(20_000);
    expect(Object.keys(result.upsertedIds)).toHaveLength(20_000);
    const later = new Date('2025-01-02T00:00:00Z');
    const half = await codes.bulkWrite(upserts('big', names.slice(0, 10_000), 'tm', later), {
      ordered: false,
    });
    expect(half).toMatchObject({ upsertedCount: 0, matchedCount: 10_000, modifiedCount: 10_000 });
    expect(await codes.countDocuments({ 'date.saved': later })).toBe(10_000);
  });

  it('updates many compound ids with $in in one statement', async () => {
    const codes = t.db.collection<CodeDoc>('codes-in');
    const saved = new Date('2025-01-01T00:00:00Z');
    await codes.bulkWrite(upserts('c', ['A', 'B', 'C', 'D'], 'tm', saved), { ordered: false });
    await codes.bulkWrite(upserts('other', ['A', 'B'], 'tm', saved), { ordered: false });
    const now = new Date('2025-02-01T00:00:00Z');
    const result = await codes.updateMany(
      { _id: { $in: ['A', 'C', 'Z'].map((code) => ({ campaign_id: 'c', code })) } },
      { $set: { 'date.assigned': now } },
    );
    expect(result).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    const assigned = await codes.find({ 'date.assigned': { $exists: true } }).toArray();
    expect(assigned.map((d) => `${d._id.campaign_id}/${d._id.code}`).sort()).toEqual(['c/A', 'c/C']);
    // Field order matters inside the _id: {code, campaign_id} is not the same value.
    const swapped = await codes.updateMany(
      { _id: { $in: [{ code: 'B', campaign_id: 'c' } as never] } },
      { $set: { x: 1 } },
    );
    expect(swapped.matchedCount).toBe(0);
  });
});

describe('duplicate keys in bulk writes', () => {
  it('stops an ordered insert at the first duplicate', async () => {
    const coll = t.db.collection('ordered-dups');
    await coll.insertOne({ _id: 'b' as never });
    const error = await errorOf(
      coll.insertMany([{ _id: 'a' }, { _id: 'b' }, { _id: 'c' }] as never[], { ordered: true }),
    );
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulkError = error as unknown as MongoBulkWriteError;
    expect(bulkError.code).toBe(11000);
    expect(bulkError.insertedCount).toBe(1);
    expect(bulkError.writeErrors).toHaveLength(1);
    const [writeError] = [bulkError.writeErrors].flat();
    expect(writeError).toMatchObject({ index: 1, code: 11000 });
    expect((await coll.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['a', 'b']);
  });

  it('applies every other operation of an unordered batch and reports each duplicate', async () => {
    const coll = t.db.collection('unordered-dups');
    await coll.insertOne({ _id: 'b' as never, v: 0 });
    const error = await errorOf(
      coll.bulkWrite(
        [
          { insertOne: { document: { _id: 'a', v: 1 } } },
          { insertOne: { document: { _id: 'b', v: 2 } } },
          { updateOne: { filter: { _id: 'b' }, update: { $set: { v: 3 } } } },
          { insertOne: { document: { _id: 'a', v: 4 } } },
          { insertOne: { document: { _id: 'c', v: 5 } } },
        ] as never[],
        { ordered: false },
      ),
    );
    const bulkError = error as unknown as MongoBulkWriteError;
    expect(bulkError).toBeInstanceOf(MongoBulkWriteError);
    const writeErrors = [bulkError.writeErrors].flat();
    expect(writeErrors.map((e) => [e.index, e.code])).toEqual([
      [1, 11000],
      [3, 11000],
    ]);
    expect(bulkError.insertedCount).toBe(2);
    expect(bulkError.matchedCount).toBe(1);
    expect(bulkError.modifiedCount).toBe(1);
    expect(await coll.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', v: 1 },
      { _id: 'b', v: 3 },
      { _id: 'c', v: 5 },
    ]);
  });

  it('reports the duplicate compound _id in keyValue', async () => {
    const coll = t.db.collection('compound-dups');
    await coll.insertOne({ _id: { campaign_id: 'c', code: 'X' } as never });
    const error = await errorOf(coll.insertOne({ _id: { campaign_id: 'c', code: 'X' } as never }));
    expect(error).toMatchObject({
      code: 11000,
      keyPattern: { _id: 1 },
      keyValue: { _id: { campaign_id: 'c', code: 'X' } },
    });
    expect(String(error.errmsg)).toMatch(
      new RegExp(
        `^E11000 duplicate key error collection: ${process.env.MONGODB_DB}\\.compound-dups index: _id_ dup key: \\{ _id: `,
      ),
    );
  });
});
