import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as assign } from '../../../functions/assign.ts';
import { handler as count } from '../../../functions/count.ts';
import { handler as heartbeat } from '../../../functions/heartbeat.ts';
import { handler as release } from '../../../functions/release.ts';
import { handler as reserve } from '../../../functions/reserve.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { codesCollection } from '../../../lib/mongo/collections.ts';
import { codeList, HOUR, seedCodes } from '../../support/codes.ts';
import { type Handler, invoke } from '../../support/invoke.ts';

const campaignId = 'camp-lifecycle';
const countRoute = '/v1/{campaignId}/codes/count';

const counts = async (type = 'tm') =>
  (
    await invoke<Record<string, number>>(count, {
      method: 'GET',
      route: countRoute,
      pathParameters: { campaignId },
      query: { type },
    })
  ).body;

const reserveCodes = (query: Record<string, string>) =>
  invoke<string[]>(reserve, {
    method: 'GET',
    route: '/v1/{campaignId}/reserve',
    pathParameters: { campaignId },
    query,
  });

const post = (handler: Handler, route: string, body: unknown) =>
  invoke<{ count: { in: number; updated: number } }>(handler, {
    method: 'POST',
    route,
    pathParameters: { campaignId },
    body,
  });

beforeAll(async () => {
  await seedCodes(campaignId, 'tm', codeList('TM', 20));
  await seedCodes(campaignId, 'external', codeList('EX', 5));
});
afterAll(() => closeMongoClient());

describe('code lifecycle through the handlers', () => {
  it('answers the heartbeat', async () => {
    const reply = await invoke(heartbeat, { method: 'GET', route: '/heartbeat', auth: null });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok', checks: { mongo: true } });
  });

  it('counts a fresh pool as all available, per type', async () => {
    expect(await counts('tm')).toEqual({ available: 20, reserved: 0, assigned: 0 });
    expect(await counts('external')).toEqual({ available: 5, reserved: 0, assigned: 0 });
  });

  it('reserves, releases by codes and by reserveId, assigns idempotently', async () => {
    const first = await reserveCodes({ count: '4', type: 'tm' });
    expect(first.status).toBe(200);
    expect(first.body).toHaveLength(4);
    expect(new Set(first.body).size).toBe(4);
    const reserveId = first.headers['x-reserve-id'];
    expect(reserveId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(first.headers['x-correlation-id']).toBeTruthy();
    expect(await counts()).toEqual({ available: 16, reserved: 4, assigned: 0 });

    // Only the asked status when `status` is given.
    const reservedOnly = await invoke(count, {
      method: 'GET',
      route: countRoute,
      pathParameters: { campaignId },
      query: { type: 'tm', status: 'reserved' },
    });
    expect(reservedOnly.body).toEqual({ reserved: 4 });

    // Release two by codes.
    const released = await post(release, '/v1/{campaignId}/release', { codes: first.body.slice(0, 2) });
    expect(released.body).toEqual({ count: { in: 2, updated: 2 } });
    expect(await counts()).toEqual({ available: 18, reserved: 2, assigned: 0 });

    // Release the rest by reserveId.
    const byId = await post(release, '/v1/{campaignId}/release', { reserveId });
    expect(byId.body).toEqual({ count: { in: 2, updated: 2 } });
    expect(await counts()).toEqual({ available: 20, reserved: 0, assigned: 0 });
    const doc = await (await codesCollection()).findOne({
      _id: { campaign_id: campaignId, code: first.body[3]! },
    });
    expect(doc?.reserveId).toBeUndefined();
    expect(doc?.date.reserved).toBeUndefined();

    // Reserve again and assign: reserved and available codes can both be assigned; a repeat is a no-op.
    const second = await reserveCodes({ count: '3', type: 'tm' });
    const available = (
      await (
        await codesCollection()
      )
        .find({ '_id.campaign_id': campaignId, type: 'tm', 'date.reserved': { $exists: false } })
        .limit(1)
        .toArray()
    )[0]!._id.code;
    const toAssign = [...second.body, available];
    expect((await post(assign, '/v1/{campaignId}/assign', { codes: toAssign })).body).toEqual({
      count: { in: 4, updated: 4 },
    });
    expect((await post(assign, '/v1/{campaignId}/assign', { codes: toAssign })).body).toEqual({
      count: { in: 4, updated: 0 },
    });
    expect(await counts()).toEqual({ available: 16, reserved: 0, assigned: 4 });

    // Assigned codes cannot be released nor reserved again.
    expect((await post(release, '/v1/{campaignId}/release', { codes: toAssign })).body).toEqual({
      count: { in: 4, updated: 0 },
    });
    const rest = await reserveCodes({ count: '50', type: 'tm' });
    expect(rest.body).toHaveLength(16);
    expect(rest.body.filter((code) => toAssign.includes(code))).toEqual([]);
    expect(await counts()).toEqual({ available: 0, reserved: 16, assigned: 4 });
    expect((await reserveCodes({ count: '1', type: 'tm' })).body).toEqual([]);
    // The other type's pool is untouched.
    expect(await counts('external')).toEqual({ available: 5, reserved: 0, assigned: 0 });
  });

  it('lets a reservation expire after 24 hours', async () => {
    const expiring = 'camp-expiry';
    await seedCodes(expiring, 'tm', ['OLD1', 'OLD2'], {
      reserved: new Date(Date.now() - 25 * HOUR),
      reserveId: 'stale',
    });
    await seedCodes(expiring, 'tm', ['NEW1'], {
      reserved: new Date(Date.now() - 23 * HOUR),
      reserveId: 'live',
    });
    const reply = await invoke(count, {
      method: 'GET',
      route: countRoute,
      pathParameters: { campaignId: expiring },
      query: { type: 'tm' },
    });
    expect(reply.body).toEqual({ available: 2, reserved: 1, assigned: 0 });

    const again = await invoke<string[]>(reserve, {
      method: 'GET',
      route: '/v1/{campaignId}/reserve',
      pathParameters: { campaignId: expiring },
      query: { count: '5', type: 'tm' },
    });
    expect(again.body.sort()).toEqual(['OLD1', 'OLD2']);
    // Releasing by the stale id frees nothing: those codes now belong to the new reservation.
    const stale = await invoke(release, {
      method: 'POST',
      route: '/v1/{campaignId}/release',
      pathParameters: { campaignId: expiring },
      body: { reserveId: 'stale' },
    });
    expect(stale.body).toEqual({ count: { in: 0, updated: 0 } });
  });

  it('returns the same codes for a retried client reserveId instead of reserving more', async () => {
    const pool = 'camp-retry';
    await seedCodes(pool, 'external', codeList('R', 10));
    const ask = () =>
      invoke<string[]>(reserve, {
        method: 'GET',
        route: '/v1/{campaignId}/reserve',
        pathParameters: { campaignId: pool },
        query: { count: '3', type: 'external', reserveId: 'order-42_a' },
      });
    const first = await ask();
    const retry = await ask();
    expect(first.headers['x-reserve-id']).toBe('order-42_a');
    expect(retry.headers['x-reserve-id']).toBe('order-42_a');
    expect(first.body).toHaveLength(3);
    expect([...retry.body].sort()).toEqual([...first.body].sort());
    const reply = await invoke(count, {
      method: 'GET',
      route: countRoute,
      pathParameters: { campaignId: pool },
      query: { type: 'external' },
    });
    expect(reply.body).toEqual({ available: 7, reserved: 3, assigned: 0 });
  });

  it('echoes a given correlation id on success and on error', async () => {
    const ok = await invoke(count, {
      method: 'GET',
      route: countRoute,
      pathParameters: { campaignId },
      query: { type: 'tm' },
      headers: { 'X-Correlation-Id': 'abc-123' },
    });
    expect(ok.headers['x-correlation-id']).toBe('abc-123');
    const bad = await invoke(count, {
      method: 'GET',
      route: countRoute,
      pathParameters: { campaignId },
      query: { type: 'nope' },
      headers: { 'x-correlation-id': 'err-9' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['x-correlation-id']).toBe('err-9');
  });
});
