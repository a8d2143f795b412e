/**
 * Indexes must never change results: every filter returns the same documents and counts with
 * the service's indexes as without any index. Data mixes campaigns, types, missing vs null vs
 * present dates, expired and live reservations, and a few array values (multikey documents).
 */
import type { Collection, Document, Filter } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDb } from './support.ts';

const t = useTestDb();
const DAY = 86_400_000;
const now = new Date('2025-06-01T00:00:00Z');
const cutoff = new Date(now.getTime() - DAY);
const campaigns = ['c1', 'c2', 'c3'];

/** Deterministic pseudo-random numbers, so a failure is reproducible. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function makeDocs(): Document[] {
  const next = random(42);
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!;
  const docs: Document[] = [];
  for (let i = 0; i < 600; i++) {
    const date: Document = { saved: new Date(now.getTime() - 10 * DAY) };
    const reserved = pick(['missing', 'missing', 'old', 'live', 'null', 'cutoff']);
    if (reserved === 'old') date.reserved = new Date(now.getTime() - 3 * DAY);
    if (reserved === 'live') date.reserved = new Date(now.getTime() - 3_600_000);
    if (reserved === 'null') date.reserved = null;
    if (reserved === 'cutoff') date.reserved = cutoff;
    const assigned = pick(['missing', 'missing', 'missing', 'set', 'null']);
    if (assigned === 'set') date.assigned = new Date(now.getTime() - 2 * DAY);
    if (assigned === 'null') date.assigned = null;
    const doc: Document = {
      _id: { campaign_id: pick(campaigns), code: `K${i}` },
      type: pick(['tm', 'tm', 'external', ['tm', 'external']]),
      date,
    };
    const reserveId = pick([undefined, undefined, 'r1', 'r2', null]);
    if (reserveId !== undefined) doc.reserveId = reserveId;
    docs.push(doc);
  }
  return docs;
}

function filters(): Array<Filter<Document>> {
  const out: Array<Filter<Document>> = [];
  for (const campaign of campaigns) {
    for (const type of ['tm', 'external']) {
      const base = { '_id.campaign_id': campaign, type };
      out.push(
        {
          ...base,
          'date.assigned': { $exists: false },
          $or: [{ 'date.reserved': { $exists: false } }, { 'date.reserved': { $lte: cutoff } }],
        },
        { ...base, 'date.assigned': { $exists: false }, 'date.reserved': { $gt: cutoff } },
        { ...base, 'date.assigned': { $exists: true } },
        { ...base, 'date.assigned': null },
        { ...base, 'date.reserved': null },
      );
    }
    out.push(
      { '_id.campaign_id': campaign },
      { '_id.campaign_id': campaign, type: { $ne: 'tm' } },
      { '_id.campaign_id': campaign, type: { $in: ['external'] }, 'date.assigned': { $type: 'date' } },
      { '_id.campaign_id': campaign, $and: [{ type: 'tm' }, { 'date.reserved': { $lt: now } }] },
      { reserveId: 'r1', '_id.campaign_id': campaign, 'date.assigned': { $exists: false } },
    );
  }
  out.push(
    { reserveId: 'r2' },
    { reserveId: null },
    { reserveId: { $exists: true } },
    { reserveId: { $exists: false } },
    { reserveId: { $in: ['r1', null] } },
    { '_id.campaign_id': { $in: ['c1', 'c3'] }, type: 'tm', 'date.assigned': { $exists: false } },
    { type: 'tm' },
    { 'date.reserved': { $gt: cutoff } },
  );
  return out;
}

async function snapshot(codes: Collection<Document>): Promise<Array<{ count: number; ids: string[] }>> {
  const results = [];
  for (const filter of filters()) {
    const docs = await codes.find(filter).toArray();
    const ids = docs
      .map((d) => d._id as unknown as { campaign_id: string; code: string })
      .map((id) => `${id.campaign_id}/${id.code}`)
      .sort();
    results.push({ count: await codes.countDocuments(filter), ids });
  }
  return results;
}

describe('indexes never change results', () => {
  let codes: Collection<Document>;

  beforeAll(async () => {
    codes = t.db.collection('codes');
    await codes.insertMany(makeDocs());
  });

  it('returns the same documents and counts with and without the service indexes', async () => {
    const withoutIndexes = await snapshot(codes);
    await codes.createIndex({ '_id.campaign_id': 1, type: 1, 'date.assigned': 1, 'date.reserved': 1 });
    await codes.createIndex({ reserveId: 1 });
    const withIndexes = await snapshot(codes);
    expect(withIndexes).toEqual(withoutIndexes);
    for (const result of withIndexes) expect(result.count).toBe(result.ids.length);
    // The data really exercises the filters.
    expect(withIndexes.filter((r) => r.count > 0).length).toBeGreaterThan(filters().length / 2);
  });

  it('keeps indexes in step with updates and deletes', async () => {
    await codes.updateMany(
      { '_id.campaign_id': 'c1', 'date.assigned': { $exists: false } },
      { $set: { 'date.assigned': now } },
    );
    await codes.updateMany({ reserveId: 'r1' }, { $unset: { reserveId: '', 'date.reserved': '' } });
    await codes.updateMany(
      { type: 'external', '_id.campaign_id': 'c2' },
      { $set: { type: 'tm', reserveId: 'r2' } },
    );
    await codes.deleteMany({ '_id.campaign_id': 'c3', 'date.reserved': null });
    const withIndexes = await snapshot(codes);
    await codes.dropIndexes();
    const withoutIndexes = await snapshot(codes);
    expect(withIndexes).toEqual(withoutIndexes);
  });
});
