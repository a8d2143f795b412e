import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as listCodes } from '../../../functions/list-codes.ts';
import type { CodeView } from '../../../lib/codes/view.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import type { ApiRequest } from '../../support/api-events.ts';
import { codeList, HOUR, seedCodes } from '../../support/codes.ts';
import { invoke } from '../../support/invoke.ts';

// Route 8 (contract §4) through the real handler and the shared MongoDB-compatible server.
const A = 'camp-list-a';
const B = 'camp-list-b';
const now = Date.now();
const reservedAt = new Date(now - HOUR);
const expiredAt = new Date(now - 25 * HOUR);
const assignedAt = new Date(now - 2 * HOUR);

interface PageBody {
  items: CodeView[];
  nextCursor: string | null;
}
interface ErrorBody {
  code: string;
  message: string;
}

const request = (campaignId: string, query: Record<string, string> = {}): ApiRequest => ({
  method: 'GET',
  route: '/v1/{campaignId}/codes',
  pathParameters: { campaignId },
  query,
});
const page = (campaignId: string, query: Record<string, string> = {}) =>
  invoke<PageBody>(listCodes, request(campaignId, query));

/** Follows nextCursor to the end; every page but the last is full. */
async function walk(campaignId: string, query: Record<string, string>): Promise<CodeView[]> {
  const items: CodeView[] = [];
  let cursor: string | null = null;
  for (;;) {
    const reply = await page(campaignId, { ...query, ...(cursor ? { cursor } : {}) });
    expect(reply.status).toBe(200);
    items.push(...reply.body.items);
    cursor = reply.body.nextCursor;
    if (cursor === null) return items;
    expect(reply.body.items.length).toBe(Number(query.limit ?? 100));
  }
}

const available = codeList('AV', 250);
const reserved = codeList('RS', 30);
const expired = codeList('EX', 10);
const assigned = codeList('AS', 20);
const all = [...available, ...reserved, ...expired, ...assigned].sort();

beforeAll(async () => {
  await seedCodes(A, 'tm', available);
  await seedCodes(A, 'tm', reserved, { reserved: reservedAt, reserveId: 'hold-1' });
  await seedCodes(A, 'tm', expired, { reserved: expiredAt, reserveId: 'old-hold' });
  await seedCodes(A, 'external', assigned, {
    assigned: assignedAt,
    reserved: reservedAt,
    reserveId: 'hold-2',
  });
  // Another campaign with codes of the same names, and some of its own.
  await seedCodes(B, 'tm', [...available.slice(0, 5), 'ONLY-IN-B'], {
    reserved: reservedAt,
    reserveId: 'hold-1',
  });
});

afterAll(async () => {
  await closeMongoClient();
});

describe('GET /v1/{campaignId}/codes', () => {
  it('pages through every code of the campaign exactly once, in code order, to nextCursor null', async () => {
    const items = await walk(A, { limit: '37' });
    expect(items.map((item) => item.code)).toEqual(all);
  });

  it('answers 100 codes by default', async () => {
    const reply = await page(A);
    expect(reply.body.items).toHaveLength(100);
    expect(reply.body.nextCursor).toEqual(expect.any(String));
  });

  it('filters by status, computing it at query time (an expired reservation is available)', async () => {
    const free = await walk(A, { status: 'available', limit: '50' });
    expect(free.map((item) => item.code)).toEqual([...available, ...expired].sort());
    expect(free.every((item) => item.status === 'available' && item.reserveId === undefined)).toBe(true);
    const old = free.find((item) => item.code === expired[0]);
    expect(old).toEqual({
      code: expired[0],
      type: 'tm',
      status: 'available',
      date: { saved: expect.any(String), reserved: expiredAt.toISOString() },
    });

    const held = await walk(A, { status: 'reserved', limit: '7' });
    expect(held.map((item) => item.code)).toEqual(reserved);
    expect(held[0]).toEqual({
      code: reserved[0],
      type: 'tm',
      status: 'reserved',
      reserveId: 'hold-1',
      reservedUntil: new Date(reservedAt.getTime() + 24 * HOUR).toISOString(),
      date: { saved: expect.any(String), reserved: reservedAt.toISOString() },
    });

    const done = await walk(A, { status: 'assigned' });
    expect(done.map((item) => item.code)).toEqual(assigned);
    expect(done[0]?.reserveId).toBeUndefined();
    expect(done[0]?.date.assigned).toBe(assignedAt.toISOString());
  });

  it('filters by type and by the reservation holding the codes now', async () => {
    expect((await walk(A, { type: 'external' })).map((item) => item.code)).toEqual(assigned);
    expect((await walk(A, { reserveId: 'hold-1', limit: '8' })).map((item) => item.code)).toEqual(reserved);
    // Expired, or assigned since: no longer held.
    expect(await walk(A, { reserveId: 'old-hold' })).toEqual([]);
    expect(await walk(A, { reserveId: 'hold-2' })).toEqual([]);
    expect(await walk(A, { type: 'tm', status: 'assigned' })).toEqual([]);
  });

  it('looks up one code: 0 or 1 item, never from another campaign', async () => {
    const found = await page(A, { code: reserved[3]! });
    expect(found.body).toEqual({
      items: [expect.objectContaining({ code: reserved[3], status: 'reserved' })],
      nextCursor: null,
    });
    expect((await page(A, { code: 'ONLY-IN-B' })).body).toEqual({ items: [], nextCursor: null });
    expect((await page(A, { code: available[0]!, status: 'reserved' })).body.items).toEqual([]);
    // With reserveId: only while that reservation holds the code.
    expect((await page(A, { code: reserved[3]!, reserveId: 'hold-1' })).body.items).toHaveLength(1);
    expect((await page(A, { code: reserved[3]!, reserveId: 'hold-2' })).body.items).toEqual([]);
    expect((await page(A, { code: expired[0]!, reserveId: 'old-hold' })).body.items).toEqual([]);
  });

  it('ends a walk whose last page is full with that page (nextCursor null, no empty page after it)', async () => {
    const full = await page(A, { type: 'external', limit: String(assigned.length) });
    expect(full.body.items).toHaveLength(assigned.length);
    expect(full.body.nextCursor).toBeNull();
  });

  it("never shows another campaign's codes", async () => {
    const items = await walk(B, { limit: '2' });
    expect(items.map((item) => item.code)).toEqual([...available.slice(0, 5), 'ONLY-IN-B'].sort());
    expect(items.every((item) => item.reserveId === 'hold-1')).toBe(true);
  });

  it('rejects a cursor it did not issue, or issued for another campaign or other filters (400, never data)', async () => {
    const first = await page(A, { limit: '10' });
    const cursor = first.body.nextCursor!;
    const [payload, signature] = cursor.split('.');
    const forged = `${Buffer.from(JSON.stringify({ after: '' })).toString('base64url')}.${signature}`;
    const flipped = `${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    const attempts: Array<[string, Record<string, string>]> = [
      [A, { cursor: 'garbage' }],
      [A, { cursor: `${payload}` }],
      [A, { cursor: forged }],
      [A, { cursor: flipped }],
      [A, { cursor: `${cursor}.x` }],
      [B, { cursor }],
      [A, { cursor, status: 'available' }],
      [A, { cursor, type: 'tm' }],
    ];
    for (const [campaignId, query] of attempts) {
      const reply = await invoke<ErrorBody>(listCodes, request(campaignId, query));
      expect(reply.status, JSON.stringify(query)).toBe(400);
      expect(reply.body.code).toBe('invalidCursor');
    }
    // The genuine cursor goes on where the first page stopped.
    const next = await page(A, { limit: '10', cursor });
    expect(next.body.items[0]?.code).toBe(all[10]);
  });

  it.each([
    [{ limit: '0' }, 'invalidLimit'],
    [{ limit: '1001' }, 'invalidLimit'],
    [{ limit: '1e2' }, 'invalidLimit'],
    [{ limit: '' }, 'invalidLimit'],
    [{ type: 'paper' }, 'invalidType'],
    [{ status: 'lost' }, 'invalidStatus'],
    [{ reserveId: 'no spaces' }, 'invalidReserveId'],
  ])('answers 400 for %o with %s', async (query, code) => {
    const reply = await invoke<ErrorBody>(listCodes, request(A, query));
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe(code);
  });

  it('answers 400 invalidCodesProp for a code lookup no code can match', async () => {
    for (const code of ['', 'x'.repeat(257)]) {
      const reply = await invoke<ErrorBody>(listCodes, request(A, { code }));
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({
        code: 'invalidCodesProp',
        message: 'code must be a string of 1-256 characters',
      });
    }
  });

  it('requires a supreme caller before anything else', async () => {
    const reply = await invoke<ErrorBody>(listCodes, {
      ...request(A, { limit: '0' }),
      auth: { sub: 'x', isSupreme: false },
    });
    expect(reply.status).toBe(401);
    expect(reply.body.code).toBe('supremeUserRequired');
  });
});
