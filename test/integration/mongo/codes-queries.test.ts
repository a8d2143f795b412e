/**
 * The exact queries the code service sends to the `codes` collection (contract §2), with the
 * service's indexes in place, asserting MongoDB's results.
 */
import type { Collection } from 'mongodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { statusFilter } from '../../../lib/codes/status-filters.ts';
import { useTestDb } from './support.ts';

interface CodeDoc {
  _id: { campaign_id: string; code: string };
  type: 'tm' | 'external';
  reserveId?: string;
  date: { saved: Date; reserved?: Date; assigned?: Date };
}

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2025-03-01T12:00:00.000Z');
const cutoff = new Date(now.getTime() - DAY);
const saved = new Date('2025-02-01T00:00:00.000Z');

const t = useTestDb();
let codes: Collection<CodeDoc>;

// The service's own filters (lib/codes/status-filters.ts), so this suite checks the exact queries it sends.
const statusFilters = (campaignId: string, type: 'tm' | 'external') => ({
  available: statusFilter({ campaignId, type }, 'available', now),
  reserved: statusFilter({ campaignId, type }, 'reserved', now),
  assigned: statusFilter({ campaignId, type }, 'assigned', now),
});

const id = (code: string, campaign_id = 'camp-1') => ({ campaign_id, code });
const codeOf = (doc: { _id: { code: string } }) => doc._id.code;

beforeEach(async () => {
  codes = t.db.collection<CodeDoc>('codes');
  await codes.drop().catch(() => {});
  await codes.createIndex({ '_id.campaign_id': 1, type: 1, 'date.assigned': 1, 'date.reserved': 1 });
  await codes.createIndex({ reserveId: 1 });
  const docs: CodeDoc[] = [];
  // camp-1/tm: A0..A9 never reserved, E0..E2 reserved 2 days ago (expired), R0..R3 reserved
  // 1 hour ago (live), S0..S1 assigned; exactly at the cutoff counts as available.
  for (let i = 0; i < 10; i++) docs.push({ _id: id(`A${i}`), type: 'tm', date: { saved } });
  for (let i = 0; i < 3; i++) {
    docs.push({
      _id: id(`E${i}`),
      type: 'tm',
      reserveId: 'old',
      date: { saved, reserved: new Date(now.getTime() - 2 * DAY) },
    });
  }
  for (let i = 0; i < 4; i++) {
    docs.push({
      _id: id(`R${i}`),
      type: 'tm',
      reserveId: 'live',
      date: { saved, reserved: new Date(now.getTime() - 3_600_000) },
    });
  }
  docs.push({ _id: id('CUT'), type: 'tm', date: { saved, reserved: cutoff } });
  docs.push({ _id: id('S0'), type: 'tm', date: { saved, assigned: now } });
  docs.push({ _id: id('S1'), type: 'tm', reserveId: 'live', date: { saved, reserved: now, assigned: now } });
  // Noise: the other type and another campaign (with the same code strings).
  for (let i = 0; i < 5; i++) docs.push({ _id: id(`X${i}`), type: 'external', date: { saved } });
  for (let i = 0; i < 10; i++) docs.push({ _id: id(`A${i}`, 'camp-2'), type: 'tm', date: { saved } });
  await codes.insertMany(docs);
});

describe('status filters', () => {
  it('counts available, reserved and assigned codes with countDocuments', async () => {
    const f = statusFilters('camp-1', 'tm');
    expect(await codes.countDocuments(f.available)).toBe(14); // 10 fresh + 3 expired + 1 at the cutoff
    expect(await codes.countDocuments(f.reserved)).toBe(4);
    expect(await codes.countDocuments(f.assigned)).toBe(2);
    const ext = statusFilters('camp-1', 'external');
    expect(await codes.countDocuments(ext.available)).toBe(5);
    expect(await codes.countDocuments(ext.reserved)).toBe(0);
    expect(await codes.countDocuments(statusFilters('camp-3', 'tm').available)).toBe(0);
  });

  it('honours skip and limit in countDocuments', async () => {
    const f = statusFilters('camp-1', 'tm');
    expect(await codes.countDocuments(f.available, { limit: 5 })).toBe(5);
    expect(await codes.countDocuments(f.available, { skip: 10 })).toBe(4);
    expect(await codes.countDocuments(f.available, { skip: 12, limit: 5 })).toBe(2);
    expect(await codes.countDocuments(f.available, { skip: 100 })).toBe(0);
  });

  it('finds available codes with projection, skip and limit', async () => {
    const f = statusFilters('camp-1', 'tm');
    const all = await codes.find(f.available, { projection: { _id: 1 } }).toArray();
    expect(all.map(codeOf).sort()).toEqual(
      ['A0', 'A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8', 'A9', 'CUT', 'E0', 'E1', 'E2'].sort(),
    );
    for (const doc of all) expect(Object.keys(doc)).toEqual(['_id']);
    const page = await codes
      .find(f.available, { projection: { _id: 1 } })
      .skip(3)
      .limit(4)
      .toArray();
    expect(page).toHaveLength(4);
    for (const doc of page) expect(doc._id.campaign_id).toBe('camp-1');
    const rest = await codes
      .find(f.available, { projection: { _id: 1 } })
      .skip(12)
      .limit(10)
      .toArray();
    expect(rest).toHaveLength(2);
  });

  it('finds reserved and assigned codes', async () => {
    const f = statusFilters('camp-1', 'tm');
    expect((await codes.find(f.reserved).toArray()).map(codeOf).sort()).toEqual(['R0', 'R1', 'R2', 'R3']);
    expect((await codes.find(f.assigned).toArray()).map(codeOf).sort()).toEqual(['S0', 'S1']);
  });

  it('finds the codes held by a reservation', async () => {
    const held = await codes
      .find({ reserveId: 'live', '_id.campaign_id': 'camp-1', 'date.assigned': { $exists: false } })
      .toArray();
    expect(held.map(codeOf).sort()).toEqual(['R0', 'R1', 'R2', 'R3']);
    expect(await codes.countDocuments({ reserveId: 'nobody' })).toBe(0);
    expect(await codes.countDocuments({ reserveId: { $exists: false } })).toBe(10 + 1 + 1 + 5 + 10);
  });
});

describe('reserve, assign and release updates', () => {
  it('reserves listed codes only when still available', async () => {
    const f = statusFilters('camp-1', 'tm');
    const { $or, ...rest } = f.available;
    const listed = ['A0', 'A1', 'R0', 'S0', 'E0', 'NOPE'].map((code) => id(code));
    const result = await codes.updateMany(
      { _id: { $in: listed }, ...rest, $or },
      { $set: { 'date.reserved': now, reserveId: 'res-1' } },
    );
    expect(result).toMatchObject({ matchedCount: 3, modifiedCount: 3, upsertedCount: 0 });
    const held = await codes.find({ reserveId: 'res-1' }).toArray();
    expect(held.map(codeOf).sort()).toEqual(['A0', 'A1', 'E0']);
    for (const doc of held) expect(doc.date).toEqual({ saved, reserved: now });
    expect(await codes.countDocuments(f.reserved)).toBe(4 + 3);
    expect(await codes.countDocuments(f.available)).toBe(14 - 3);
  });

  it('assigns codes that are not yet assigned, and a repeat modifies nothing', async () => {
    const listed = ['A0', 'R1', 'S0', 'NOPE'].map((code) => id(code));
    const filter = { _id: { $in: listed }, 'date.assigned': { $exists: false } };
    expect(await codes.updateMany(filter, { $set: { 'date.assigned': now } })).toMatchObject({
      matchedCount: 2,
      modifiedCount: 2,
    });
    expect(await codes.updateMany(filter, { $set: { 'date.assigned': now } })).toMatchObject({
      matchedCount: 0,
      modifiedCount: 0,
    });
    expect(await codes.countDocuments(statusFilters('camp-1', 'tm').assigned)).toBe(4);
  });

  it('releases a reservation by removing date.reserved and reserveId', async () => {
    const f = statusFilters('camp-1', 'tm');
    const result = await codes.updateMany(
      {
        reserveId: 'live',
        '_id.campaign_id': 'camp-1',
        'date.assigned': { $exists: false },
        'date.reserved': { $gt: cutoff },
      },
      { $unset: { 'date.reserved': '', reserveId: '' } },
    );
    expect(result).toMatchObject({ matchedCount: 4, modifiedCount: 4 });
    expect(await codes.findOne({ _id: id('R0') })).toEqual({ _id: id('R0'), type: 'tm', date: { saved } });
    expect(await codes.countDocuments(f.reserved)).toBe(0);
    expect(await codes.countDocuments(f.available)).toBe(18);
    // The assigned code held by the same reservation is untouched.
    expect(await codes.findOne({ _id: id('S1') })).toMatchObject({ reserveId: 'live' });
  });

  it('does not confuse codes of other campaigns with the same code string', async () => {
    await codes.updateMany({ _id: { $in: [id('A5', 'camp-2')] } }, { $set: { 'date.assigned': now } });
    expect(await codes.findOne({ _id: id('A5') })).toEqual({ _id: id('A5'), type: 'tm', date: { saved } });
    expect(await codes.countDocuments(statusFilters('camp-2', 'tm').assigned)).toBe(1);
    expect(await codes.countDocuments(statusFilters('camp-1', 'tm').assigned)).toBe(2);
  });
});
