import { describe, expect, it } from 'vitest';
import { useTestDb } from './support.ts';

// Keyset paging (`{a: x, b: {$gt: last}}` sorted on b, limited) as mongod answers it, whatever
// index order the embedded server walks: documents match the filter, come in sort order, and the
// index's ordered view follows inserts, updates and deletes.
const t = useTestDb();

interface PageDoc {
  _id: number;
  a: string;
  b?: unknown;
}
const collection = () => t.db.collection<PageDoc>('pages');

// Ranges on strings only match strings (type bracketing), as a string cursor does.
const page = (after: string, sort: 1 | -1, limit = 3) =>
  collection()
    .find({ a: 'x', b: sort === 1 ? { $gt: after } : { $lt: after } }, { projection: { _id: 0, b: 1 } })
    .sort({ b: sort })
    .hint({ a: 1, b: 1 })
    .limit(limit)
    .toArray();

async function walk(sort: 1 | -1): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const docs = await page(seen.at(-1) ?? (sort === 1 ? '' : '~'), sort);
    seen.push(...docs.map((doc) => doc.b as string));
    if (docs.length < 3) return seen;
  }
}

describe('sorted, limited finds on an index (keyset paging)', () => {
  it('walk the equality prefix in sort order from the range bound, both ways', async () => {
    const pages = collection();
    await pages.createIndex({ a: 1, b: 1 });
    const bs = ['k', 'c', 'q', 'a', 'z', 'm', 'e', 'w'];
    await pages.insertMany(bs.map((b, i) => ({ _id: i, a: 'x', b })));
    await pages.insertMany([
      { _id: 100, a: 'y', b: 'b' },
      { _id: 101, a: 'x' },
      { _id: 102, a: 'x', b: 7 },
    ]);
    expect(await walk(1)).toEqual([...bs].sort());
    expect(await walk(-1)).toEqual([...bs].sort().reverse());
    // Without a range: from the start, missing and numbers (lower in BSON order) first.
    const first = await pages.find({ a: 'x' }).sort({ b: 1 }).limit(2).toArray();
    expect(first.map((doc) => doc._id)).toEqual([101, 102]);
  });

  it('follows inserts, updates and deletes after the first ordered walk', async () => {
    const pages = collection();
    await pages.insertOne({ _id: 50, a: 'x', b: 'd' });
    await pages.deleteOne({ _id: 4 }); // 'z'
    await pages.updateOne({ _id: 0 }, { $set: { b: 'zz' } }); // 'k' → 'zz'
    await pages.updateOne({ _id: 1 }, { $set: { a: 'y' } }); // 'c' leaves the prefix
    expect(await walk(1)).toEqual(['a', 'd', 'e', 'm', 'q', 'w', 'zz']);
  });

  it('checks the rest of the filter on the scanned documents', async () => {
    const pages = collection();
    const docs = await pages
      .find({ a: 'x', b: { $gt: 'a', $lt: 'q' }, _id: { $ne: 50 } })
      .sort({ b: 1 })
      .limit(10)
      .toArray();
    expect(docs.map((doc) => doc.b)).toEqual(['e', 'm']);
  });
});
