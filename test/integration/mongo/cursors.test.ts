/**
 * Cursors: results spread over many batches fetched with getMore, and cursors killed by close().
 */
import type { CommandStartedEvent } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, useTestDb } from './support.ts';

const t = useTestDb({ monitorCommands: true });
const COUNT = 1_000;

function recordCommands(): { names: string[]; stop(): void } {
  const names: string[] = [];
  const listener = (event: CommandStartedEvent) => names.push(event.commandName);
  t.client.on('commandStarted', listener);
  return { names, stop: () => t.client.off('commandStarted', listener) };
}

beforeAll(async () => {
  await t.db
    .collection('numbers')
    .insertMany(Array.from({ length: COUNT }, (_, i) => ({ _id: i as never, n: i, even: i % 2 === 0 })));
});

describe('getMore', () => {
  it('returns every document across many batches, in sort order', async () => {
    const recorder = recordCommands();
    const docs = await t.db.collection('numbers').find({}, { batchSize: 10 }).sort({ n: 1 }).toArray();
    recorder.stop();
    expect(docs.map((d) => d.n)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    // 1 000 documents in batches of 10: the find plus at least 99 getMores.
    expect(recorder.names.filter((name) => name === 'getMore').length).toBeGreaterThanOrEqual(99);
  });

  it('uses the default first batch and then fetches the rest', async () => {
    const recorder = recordCommands();
    const docs = await t.db.collection('numbers').find({ even: true }).sort({ n: -1 }).toArray();
    recorder.stop();
    expect(docs).toHaveLength(COUNT / 2);
    expect(docs[0]).toEqual({ _id: 998, n: 998, even: true });
    expect(recorder.names).toContain('getMore');
  });

  it('iterates a cursor with next()/hasNext() across batches', async () => {
    const cursor = t.db
      .collection('numbers')
      .find({ n: { $lt: 25 } }, { batchSize: 4 })
      .sort({ n: 1 });
    const seen: number[] = [];
    while (await cursor.hasNext()) seen.push((await cursor.next())!.n);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('honours a limit larger than the batch size', async () => {
    const docs = await t.db
      .collection('numbers')
      .find({}, { batchSize: 7 })
      .sort({ n: 1 })
      .limit(30)
      .toArray();
    expect(docs.map((d) => d.n)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('streams aggregation results over getMore', async () => {
    const docs = await t.db
      .collection('numbers')
      .aggregate([{ $match: { even: false } }, { $sort: { n: 1 } }, { $project: { _id: 0, n: 1 } }], {
        batchSize: 25,
      })
      .toArray();
    expect(docs).toHaveLength(COUNT / 2);
    expect(docs.slice(0, 3)).toEqual([{ n: 1 }, { n: 3 }, { n: 5 }]);
  });
});

describe('killCursors', () => {
  it('kills an open cursor on close(), after which getMore reports CursorNotFound (43)', async () => {
    const recorder = recordCommands();
    const cursor = t.db.collection('numbers').find({}, { batchSize: 5 }).sort({ n: 1 });
    expect((await cursor.next())!.n).toBe(0);
    const id = cursor.id;
    expect(id).toBeDefined();
    expect(id!.isZero()).toBe(false);
    await cursor.close();
    recorder.stop();
    expect(recorder.names).toContain('killCursors');
    const error = await errorOf(t.db.command({ getMore: id!, collection: 'numbers' }));
    expect(error).toMatchObject({ code: 43, codeName: 'CursorNotFound' });
  });

  it('closes the server cursor by itself once the results are exhausted', async () => {
    const cursor = t.db.collection('numbers').find({ n: { $lt: 3 } });
    expect(await cursor.toArray()).toHaveLength(3);
    expect(cursor.closed).toBe(true);
    expect(cursor.id?.isZero()).toBe(true);
  });
});
