import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { handler as release } from '../../../functions/release.ts';
import { handler as reserve } from '../../../functions/reserve.ts';
import type { Caller } from '../../../lib/auth/caller.ts';
import { assignCodes } from '../../../lib/codes/assign.ts';
import { countCodes } from '../../../lib/codes/count.ts';
import { releaseCodes } from '../../../lib/codes/release.ts';
import { RESERVE_LIMITS, reserveCodes } from '../../../lib/codes/reserve.ts';
import { claimReserveId } from '../../../lib/codes/store.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { reservationClaimsCollection } from '../../../lib/mongo/collections.ts';
import { logger, MetricName, MetricUnit, metrics } from '../../../lib/observability.ts';
import { codeList, HOUR, poolCounts, seedCodes } from '../../support/codes.ts';
import { invoke } from '../../support/invoke.ts';
import { subsegmentsOf } from '../../support/traced.ts';

/**
 * The reservation rules mutation testing found untested (issue 17): retries that ask for fewer
 * codes, the end of a retry's wait, the round bound, release restricted to a reservation, and the
 * reserveId claims.
 */
const supreme: Caller = { sub: 'tester', isSupreme: true };
const DAY = 24 * HOUR;

const reserveVia = (campaignId: string, query: Record<string, string>) =>
  invoke<string[]>(reserve, {
    method: 'GET',
    route: '/v1/{campaignId}/reserve',
    pathParameters: { campaignId },
    query,
  });

const counts = poolCounts;

afterEach(() => vi.restoreAllMocks());
afterAll(() => closeMongoClient());

describe('reserve retries under a client reserveId', () => {
  it('gives a retry asking for fewer codes only as many, all of them from the first reservation', async () => {
    await seedCodes('camp-fewer', 'tm', codeList('FEW', 20));
    const first = await reserveVia('camp-fewer', { count: '5', type: 'tm', reserveId: 'order-5' });
    expect(first.body).toHaveLength(5);
    const retry = await reserveVia('camp-fewer', { count: '2', type: 'tm', reserveId: 'order-5' });
    expect(retry.status).toBe(200);
    expect(retry.headers['x-reserve-id']).toBe('order-5');
    expect(retry.body).toHaveLength(2);
    for (const code of retry.body) expect(first.body).toContain(code);
    expect(await counts('camp-fewer')).toEqual({ available: 15, reserved: 5, assigned: 0 });
  });

  it('waits for the codes of a first request still under way, and returns those', async () => {
    const scope = { campaignId: 'camp-wait', type: 'tm' as const };
    // The first request claimed the id but holds no codes yet (it reserved from an empty pool).
    expect((await reserveCodes(supreme, { ...scope, count: 3, reserveId: 'slow' })).codes).toEqual([]);
    await seedCodes(scope.campaignId, 'tm', codeList('OTHER', 5));
    const retry = reserveCodes(supreme, { ...scope, count: 3, reserveId: 'slow' }, new Date(), {
      ...RESERVE_LIMITS,
      replayWaitMs: 60_000,
      replayPollMs: 5,
    });
    // The first request's codes land while the retry polls.
    await seedCodes(scope.campaignId, 'tm', codeList('SLOW', 3), { reserved: new Date(), reserveId: 'slow' });
    expect((await retry).codes.sort()).toEqual(codeList('SLOW', 3));
    expect(await counts(scope.campaignId)).toEqual({ available: 5, reserved: 3, assigned: 0 });
  });

  it('reserves anew when the wait ends and the first request holds nothing', async () => {
    const scope = { campaignId: 'camp-wait-ends', type: 'tm' as const };
    expect((await reserveCodes(supreme, { ...scope, count: 3, reserveId: 'gone' })).codes).toEqual([]);
    await seedCodes(scope.campaignId, 'tm', codeList('LATE', 5));
    const limits = { ...RESERVE_LIMITS, replayWaitMs: 30, replayPollMs: 5 };
    const retry = await reserveCodes(supreme, { ...scope, count: 3, reserveId: 'gone' }, new Date(), limits);
    expect(retry).toMatchObject({ reserveId: 'gone' });
    expect(retry.codes).toHaveLength(3);
    expect(await counts(scope.campaignId)).toEqual({ available: 2, reserved: 3, assigned: 0 });
  });

  it("with the service's own limits, stops waiting for a first request that never reserves (≈ 2 s)", async () => {
    const scope = { campaignId: 'camp-default-wait', type: 'tm' as const };
    expect((await reserveCodes(supreme, { ...scope, count: 2, reserveId: 'never' })).codes).toEqual([]);
    await seedCodes(scope.campaignId, 'tm', codeList('DEF', 4));
    // No limits passed: RESERVE_LIMITS, as the reserve function runs.
    const retry = await reserveCodes(supreme, { ...scope, count: 2, reserveId: 'never' });
    expect(retry.codes).toHaveLength(2);
    expect(await counts(scope.campaignId)).toEqual({ available: 2, reserved: 2, assigned: 0 });
  });

  it('never hands more than asked to retries that reserve together under one id', async () => {
    const scope = { campaignId: 'camp-shared-id', type: 'tm' as const };
    expect((await reserveCodes(supreme, { ...scope, count: 10, reserveId: 'shared' })).codes).toEqual([]);
    await seedCodes(scope.campaignId, 'tm', codeList('SH', 20));
    // No wait: every retry finds nothing held yet and reserves itself, racing the others.
    const limits = { ...RESERVE_LIMITS, replayWaitMs: 0 };
    const replies = await Promise.all(
      Array.from({ length: 8 }, () =>
        reserveCodes(supreme, { ...scope, count: 10, reserveId: 'shared' }, new Date(), limits),
      ),
    );
    for (const reply of replies) {
      expect(reply.codes.length).toBeLessThanOrEqual(10);
      expect(new Set(reply.codes).size).toBe(reply.codes.length);
    }
  });
});

describe('the bound on reservation rounds', () => {
  it('stops after the last round with the codes won so far, and says so', async () => {
    await seedCodes('camp-rounds', 'tm', codeList('RND', 3));
    const warn = vi.spyOn(logger, 'warn');
    const limits = { ...RESERVE_LIMITS, maxRounds: 1 };
    const reservation = await reserveCodes(
      supreme,
      { campaignId: 'camp-rounds', type: 'tm', count: 5, reserveId: 'bounded' },
      new Date(),
      limits,
    );
    expect(reservation.codes.sort()).toEqual(codeList('RND', 3));
    expect(warn).toHaveBeenCalledWith('Reservation stopped after too many contended rounds', {
      reserveId: 'bounded',
      held: 3,
      count: 5,
    });
  });

  it('does not reach the bound when the pool simply runs out, and counts the shortfall', async () => {
    await seedCodes('camp-rounds-out', 'tm', codeList('OUT', 3));
    const warn = vi.spyOn(logger, 'warn');
    const metric = vi.spyOn(metrics, 'addMetric');
    const info = vi.spyOn(logger, 'info');
    const reservation = await reserveCodes(supreme, { campaignId: 'camp-rounds-out', type: 'tm', count: 5 });
    expect(reservation.codes).toHaveLength(3);
    expect(info).toHaveBeenCalledWith('Codes reserved', {
      campaignId: 'camp-rounds-out',
      type: 'tm',
      reserveId: reservation.reserveId,
      requested: 5,
      granted: 3,
    });
    // No client reserveId: nothing to claim.
    expect(
      await (await reservationClaimsCollection()).countDocuments({ '_id.campaign_id': 'camp-rounds-out' }),
    ).toBe(0);
    expect(warn).not.toHaveBeenCalled();
    expect(metric).toHaveBeenCalledWith(MetricName.CodesReserved, MetricUnit.Count, 3);
    expect(metric).toHaveBeenCalledWith(MetricName.ReserveShortfall, MetricUnit.Count, 2);
  });
});

describe('release with both codes and reserveId', () => {
  it("releases only the listed codes that reservation holds, never another reservation's", async () => {
    await seedCodes('camp-rel-both', 'tm', codeList('RB', 10));
    const mine = await reserveVia('camp-rel-both', { count: '3', type: 'tm', reserveId: 'mine' });
    const theirs = await reserveVia('camp-rel-both', { count: '3', type: 'tm', reserveId: 'theirs' });
    const released = await invoke(release, {
      method: 'POST',
      route: '/v1/{campaignId}/release',
      pathParameters: { campaignId: 'camp-rel-both' },
      body: { codes: [...mine.body, ...theirs.body], reserveId: 'mine' },
    });
    expect(released.body).toEqual({ count: { in: 6, updated: 3 } });
    expect(await counts('camp-rel-both')).toEqual({ available: 7, reserved: 3, assigned: 0 });
    const retry = await reserveVia('camp-rel-both', { count: '3', type: 'tm', reserveId: 'theirs' });
    expect(retry.body.sort()).toEqual(theirs.body.sort());
  });
});

describe('reserveId claims', () => {
  const scope = { campaignId: 'camp-claims', type: 'tm' as const };
  const t0 = new Date('2030-01-01T00:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it('are one per pool and id: other ids, types and campaigns claim their own', async () => {
    expect(await claimReserveId(scope, 'a', t0)).toBe(true);
    expect(await claimReserveId(scope, 'b', t0)).toBe(true);
    expect(await claimReserveId({ ...scope, type: 'external' }, 'a', t0)).toBe(true);
    expect(await claimReserveId({ ...scope, campaignId: 'camp-claims-2' }, 'a', t0)).toBe(true);
    expect(await claimReserveId(scope, 'a', t0)).toBe(false);
    expect(await claimReserveId(scope, 'b', at(1000))).toBe(false);
  });

  it('are taken over once 24 hours old (a reservation lives no longer), by one caller only', async () => {
    // Another claim first, so a takeover that updated any claim but its own would show.
    expect(await claimReserveId(scope, 'unrelated', t0)).toBe(true);
    expect(await claimReserveId(scope, 'daily', t0)).toBe(true);
    expect(await claimReserveId(scope, 'daily', at(DAY - 1))).toBe(false);
    expect(await claimReserveId(scope, 'daily', at(DAY))).toBe(true);
    // Taken over: the claim is as new as the takeover.
    expect(await claimReserveId(scope, 'daily', at(DAY))).toBe(false);
    expect(await claimReserveId(scope, 'daily', at(2 * DAY - 1))).toBe(false);
    // Two callers finding the same stale claim: exactly one takes it over. (Warm connections first,
    // so both read the stale claim before either writes.)
    await Promise.all(Array.from({ length: 4 }, (_, i) => claimReserveId(scope, `warm-${i}`, t0)));
    const racing = await Promise.all([
      claimReserveId(scope, 'daily', at(3 * DAY)),
      claimReserveId(scope, 'daily', at(3 * DAY)),
    ]);
    expect(racing.filter(Boolean)).toHaveLength(1);
  });

  it('let a reserveId used yesterday reserve fresh codes today', async () => {
    const pool = { campaignId: 'camp-claims-reuse', type: 'tm' as const };
    await seedCodes(pool.campaignId, 'tm', codeList('DAY', 4));
    const input = { ...pool, count: 2, reserveId: 'every-day' };
    const yesterday = new Date(Date.now() - DAY - 1000);
    const first = await reserveCodes(supreme, input, yesterday);
    expect(first.codes).toHaveLength(2);
    // Yesterday's claim is taken over: were it not, this retry would wait a minute for codes that never come.
    const today = await reserveCodes(supreme, input, new Date(), { ...RESERVE_LIMITS, replayWaitMs: 60_000 });
    expect(today.codes).toHaveLength(2);
  });
});

describe('campaignId rules', () => {
  it('takes a campaignId of up to 256 characters and refuses a longer one with invalidCampaignId', async () => {
    const ok = await counts('c'.repeat(256));
    expect(ok).toEqual({ available: 0, reserved: 0, assigned: 0 });
    const tooLong = await reserveVia('c'.repeat(257), { count: '1', type: 'tm' });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toEqual({
      code: 'invalidCampaignId',
      message: 'campaignId must be a non-empty string of at most 256 characters',
    });
  });
});

describe('status at the 24-hour boundary, and the metrics of assign and release', () => {
  it('counts a code reserved exactly 24 hours ago as available again', async () => {
    const t0 = new Date(Date.now() - DAY);
    await seedCodes('camp-boundary', 'tm', ['B1'], { reserved: t0, reserveId: 'r' });
    const countAt = (ms: number) =>
      countCodes(supreme, { campaignId: 'camp-boundary', type: 'tm' }, new Date(t0.getTime() + ms));
    expect(await countAt(DAY - 1)).toEqual({ available: 0, reserved: 1, assigned: 0 });
    expect(await countAt(DAY)).toEqual({ available: 1, reserved: 0, assigned: 0 });
    // Available again: it can be reserved anew, and released only while reserved.
    expect(
      (
        await reserveCodes(
          supreme,
          { campaignId: 'camp-boundary', type: 'tm', count: 1 },
          new Date(t0.getTime() + DAY),
        )
      ).codes,
    ).toEqual(['B1']);
  });

  it('report assigned and released codes as metrics', async () => {
    await seedCodes('camp-metrics', 'tm', codeList('M', 4));
    const metric = vi.spyOn(metrics, 'addMetric');
    const { codes } = await reserveCodes(supreme, { campaignId: 'camp-metrics', type: 'tm', count: 3 });
    expect(await releaseCodes(supreme, { campaignId: 'camp-metrics', codes: codes.slice(0, 2) })).toEqual({
      count: { in: 2, updated: 2 },
    });
    expect(metric).toHaveBeenCalledWith(MetricName.CodesReleased, MetricUnit.Count, 2);
    expect(
      await assignCodes(supreme, { campaignId: 'camp-metrics', codes: ['M000000', 'M000001', 'nope'] }),
    ).toEqual({
      count: { in: 3, updated: 2 },
    });
    expect(metric).toHaveBeenCalledWith(MetricName.CodesAssigned, MetricUnit.Count, 2);
  });

  it('releases everything a reserveId holds in the campaign when no codes are listed', async () => {
    await seedCodes('camp-rel-all', 'tm', codeList('RA', 5));
    await seedCodes('camp-rel-all-2', 'tm', codeList('RA', 5));
    await reserveCodes(supreme, { campaignId: 'camp-rel-all', type: 'tm', count: 3, reserveId: 'all' });
    await reserveCodes(supreme, { campaignId: 'camp-rel-all-2', type: 'tm', count: 2, reserveId: 'all' });
    expect(await releaseCodes(supreme, { campaignId: 'camp-rel-all', reserveId: 'all' })).toEqual({
      count: { in: 3, updated: 3 },
    });
    expect(await countCodes(supreme, { campaignId: 'camp-rel-all-2', type: 'tm' })).toEqual({
      available: 3,
      reserved: 2,
      assigned: 0,
    });
  });
});

describe('tracing', () => {
  it('traces every database call of the lifecycle under its own name', async () => {
    const pool = { campaignId: 'camp-traced', type: 'tm' as const };
    await seedCodes(pool.campaignId, 'tm', codeList('TR', 10));
    expect(await subsegmentsOf(() => countCodes(supreme, pool))).toEqual([
      'db.count.available',
      'db.count.reserved',
      'db.count.assigned',
    ]);
    const t0 = new Date(Date.now() - 2 * DAY);
    // A small pool is read twice when the random offset overshoots it: the names, not their count.
    const reserved = await subsegmentsOf(() =>
      reserveCodes(supreme, { ...pool, count: 2, reserveId: 'traced' }, t0),
    );
    expect([...new Set(reserved)]).toEqual(['db.claimReserveId', 'db.findAvailable', 'db.reserve']);
    // A day later the claim is stale: taken over, then a fresh reservation.
    const codes = (await reserveCodes(supreme, { ...pool, count: 2, reserveId: 'traced' })).codes;
    expect(
      await subsegmentsOf(() => reserveCodes(supreme, { ...pool, count: 2, reserveId: 'traced' })),
    ).toEqual(['db.claimReserveId', 'db.findHeld']);
    expect(await subsegmentsOf(() => assignCodes(supreme, { ...pool, codes: [codes[0]] }))).toEqual([
      'db.assign',
    ]);
    expect(await subsegmentsOf(() => releaseCodes(supreme, { ...pool, codes: [codes[1]] }))).toEqual([
      'db.release',
    ]);
    expect(await subsegmentsOf(() => releaseCodes(supreme, { ...pool, reserveId: 'traced' }))).toEqual([
      'db.releaseReservation',
    ]);
    expect(await subsegmentsOf(() => claimReserveId(pool, 'traced', new Date(Date.now() + 2 * DAY)))).toEqual(
      ['db.claimReserveId', 'db.claimReserveId.takeover'],
    );
  });
});
