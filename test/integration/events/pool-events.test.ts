import { afterAll, describe, expect, it } from 'vitest';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { poolsCollection } from '../../../lib/mongo/collections.ts';
import { codeList, seedCodes } from '../../support/codes.ts';
import { startTestEventBridge, validDetail } from '../../support/events.ts';
import { invoke } from '../../support/invoke.ts';
import { lambdaContext } from '../../support/lambda-context.ts';
import { s3Environment, startS3rver } from '../../support/s3rver.ts';
import { csvOf, objectCreatedEvent } from '../import/support.ts';

// Contract §6b end to end: the real handlers (routes 3, 10, 11, the sweep, the S3 importer) against
// the shared MongoDB-compatible server, s3rver and this file's local EventBridge, which the real
// SDK publishes to. Sweeps are invoked directly (the schedule's job), so each step is deterministic.
const s3 = await startS3rver({ bucket: 'pool-events-test' });
const bridge = await startTestEventBridge();
Object.assign(process.env, s3Environment(s3));
const { handler: importS3 } = await import('../../../functions/import-s3.ts');
const { handler: getPool } = await import('../../../functions/get-pool.ts');
const { handler: putPool } = await import('../../../functions/put-pool.ts');
const { handler: reserve } = await import('../../../functions/reserve.ts');
const { handler: poolSweep } = await import('../../../functions/pool-sweep.ts');
const { ImportsFailedError } = await import('../../../lib/import/events.ts');

afterAll(async () => {
  await closeMongoClient();
  await bridge.stop();
  await s3.stop();
});

const poolRoute = '/v1/{campaignId}/pools/{type}';

interface PoolView {
  campaignId: string;
  type: string;
  counts: { available: number; reserved: number; assigned: number };
  lowStockThreshold: number | null;
  levels: number[];
  alertedLevel: number | null;
  lastAlert: { level: number; available: number; at: string; eventId: string } | null;
}

const viewPool = (campaignId: string) =>
  invoke<PoolView>(getPool, { method: 'GET', route: poolRoute, pathParameters: { campaignId, type: 'tm' } });

const setThreshold = (campaignId: string, body: unknown, type = 'tm') =>
  invoke<PoolView>(putPool, { method: 'PUT', route: poolRoute, pathParameters: { campaignId, type }, body });

async function importCodes(key: string, codes: readonly string[]) {
  await s3.put(key, csvOf(codes));
  return importS3((await objectCreatedEvent(s3, key)) as never, lambdaContext('importS3')).catch(
    (error: unknown) => {
      if (error instanceof ImportsFailedError) return error.result;
      throw error;
    },
  );
}

const reserveCodes = async (campaignId: string, count: number) => {
  const reply = await invoke<string[]>(reserve, {
    method: 'GET',
    route: '/v1/{campaignId}/reserve',
    pathParameters: { campaignId },
    query: { count: String(count), type: 'tm' },
  });
  expect(reply.status).toBe(200);
  return reply.body.length;
};

/** `total` codes reserved by 16 requests at once (or one per code when fewer), racing each other. */
async function reserveRacing(campaignId: string, total: number): Promise<number> {
  const requests = Math.min(16, total);
  const counts = Array.from(
    { length: requests },
    (_, i) => Math.floor(total / requests) + (i < total % requests ? 1 : 0),
  );
  const granted = await Promise.all(counts.map((count) => reserveCodes(campaignId, count)));
  return granted.reduce((a, b) => a + b, 0);
}

const sweep = () => poolSweep({}, lambdaContext('poolSweep'));
const sweepsAtOnce = (n: number) => Promise.all(Array.from({ length: n }, sweep));

/** This pool's Pool Low / Pool Empty events so far, each checked against its detail schema. */
const poolEvents = (campaignId: string) =>
  bridge
    .events()
    .filter((event) => event['detail-type'].startsWith('Pool ') && event.detail.campaignId === campaignId)
    .map((event) => ({
      detailType: event['detail-type'],
      source: event.source,
      ...(validDetail(event) as { eventId: string; level?: number; available: number }),
    }));

const levelsOf = (events: ReturnType<typeof poolEvents>) =>
  events.map((event) => (event.detailType === 'Pool Empty' ? 0 : event.level));

/** Threshold 10 on a 30-code pool, then the ladder 10, 5, 2, 1, empty, one level per step. */
async function walkTheLadder(campaignId: string, race: boolean) {
  const step = async (reserveCount: number) => {
    const granted = race
      ? await reserveRacing(campaignId, reserveCount)
      : await reserveCodes(campaignId, reserveCount);
    expect(granted).toBe(reserveCount);
    if (race) await sweepsAtOnce(4);
    else await sweep();
  };
  await importCodes(`codes/${campaignId}/tm/first.csv`, codeList(`${campaignId}-A`, 30));
  const put = await setThreshold(campaignId, { lowStockThreshold: 10 });
  expect(put.status).toBe(200);
  expect(put.body).toMatchObject({
    lowStockThreshold: 10,
    levels: [10, 5, 2, 1, 0],
    counts: { available: 30, reserved: 0, assigned: 0 },
    alertedLevel: null,
    lastAlert: null,
  });
  await sweep();
  expect(poolEvents(campaignId)).toEqual([]);

  await step(21);
  expect(poolEvents(campaignId)).toEqual([
    expect.objectContaining({
      detailType: 'Pool Low',
      source: 'code-service',
      campaignId,
      type: 'tm',
      lowStockThreshold: 10,
      level: 10,
      available: 9,
    }),
  ]);
  await sweep(); // nothing new below the same level
  expect(poolEvents(campaignId)).toHaveLength(1);

  await step(4);
  await step(3);
  await step(1);
  await step(1);
  await sweepsAtOnce(2);
  const events = poolEvents(campaignId);
  expect(levelsOf(events)).toEqual([10, 5, 2, 1, 0]);
  expect(events.map((event) => event.available)).toEqual([9, 5, 2, 1, 0]);
  expect(events.at(-1)).toMatchObject({ detailType: 'Pool Empty', available: 0 });
  expect(new Set(events.map((event) => event.eventId)).size).toBe(5);

  const empty = await viewPool(campaignId);
  expect(empty.body).toMatchObject({
    counts: { available: 0, reserved: 30, assigned: 0 },
    alertedLevel: 0,
    lastAlert: { level: 0, available: 0, eventId: events.at(-1)!.eventId },
  });

  // More codes re-arm every level above the new count; crossing 10 again is a new alert.
  await importCodes(`codes/${campaignId}/tm/second.csv`, codeList(`${campaignId}-B`, 30));
  await sweep();
  expect(poolEvents(campaignId)).toHaveLength(5);
  expect((await viewPool(campaignId)).body).toMatchObject({
    counts: { available: 30 },
    alertedLevel: null,
    lastAlert: { level: 0 },
  });
  await step(21);
  const again = poolEvents(campaignId);
  expect(levelsOf(again)).toEqual([10, 5, 2, 1, 0, 10]);
  expect(again.at(-1)).toMatchObject({ available: 9 });
  expect(again.at(-1)!.eventId).not.toBe(again[0]!.eventId);
}

describe('low-stock events (contract §6b)', () => {
  it('publishes each level of the ladder once, and again after an import re-arms it', async () => {
    await walkTheLadder('ladder', false);
  });

  it('publishes each level exactly once when 16 reserves race and sweeps overlap', async () => {
    await walkTheLadder('ladder-race', true);
  });

  it('names only the deepest level when one sweep finds several crossed', async () => {
    const campaignId = 'deep-drop';
    await importCodes(`codes/${campaignId}/tm/f.csv`, codeList('D', 30));
    await setThreshold(campaignId, { lowStockThreshold: 10 });
    await reserveCodes(campaignId, 28);
    await sweep();
    expect(levelsOf(poolEvents(campaignId))).toEqual([2]);
    expect((await viewPool(campaignId)).body).toMatchObject({ alertedLevel: 2, lastAlert: { level: 2 } });
    // The levels passed (10, 5) count as alerted: the next one down is 1.
    await reserveCodes(campaignId, 1);
    await sweep();
    expect(levelsOf(poolEvents(campaignId))).toEqual([2, 1]);
  });

  it('publishes one event when many sweeps find the same crossing at once', async () => {
    const campaignId = 'many-sweeps';
    await importCodes(`codes/${campaignId}/tm/f.csv`, codeList('M', 20));
    await setThreshold(campaignId, { lowStockThreshold: 16 });
    await reserveCodes(campaignId, 20);
    await sweepsAtOnce(8);
    expect(levelsOf(poolEvents(campaignId))).toEqual([0]);
  });

  it('republishes an alert a sweep could not publish, with the same eventId, then clears it', async () => {
    const campaignId = 'outbox';
    await seedCodes(campaignId, 'tm', codeList('O', 10)); // above the threshold: no alert of its own
    await setThreshold(campaignId, { lowStockThreshold: 5 });
    const pools = await poolsCollection();
    const left = {
      detailType: 'Pool Empty' as const,
      detail: {
        eventId: 'left-behind-1',
        campaignId,
        type: 'tm' as const,
        lowStockThreshold: 5,
        available: 0 as const,
        at: new Date(Date.now() - 5 * 60_000).toISOString(),
      },
    };
    await pools.updateOne(
      { _id: { campaign_id: campaignId, type: 'tm' } },
      { $push: { pendingEvents: left } },
    );
    await sweep();
    expect(poolEvents(campaignId)).toEqual([expect.objectContaining({ eventId: 'left-behind-1' })]);
    const doc = await pools.findOne({ _id: { campaign_id: campaignId, type: 'tm' } });
    expect(doc?.pendingEvents).toEqual([]);
    await sweep();
    expect(poolEvents(campaignId)).toHaveLength(1);
  });

  it('ignores pools without a threshold, and a new threshold arms a new ladder', async () => {
    const campaignId = 'settings';
    await importCodes(`codes/${campaignId}/tm/f.csv`, codeList('S', 3));
    await sweep();
    expect(poolEvents(campaignId)).toEqual([]);
    await setThreshold(campaignId, { lowStockThreshold: 4 });
    await sweep();
    expect(levelsOf(poolEvents(campaignId))).toEqual([4]);
    // The same value again keeps the alert state; a new one starts afresh.
    expect((await setThreshold(campaignId, { lowStockThreshold: 4 })).body.alertedLevel).toBe(4);
    const changed = await setThreshold(campaignId, { lowStockThreshold: 3 });
    expect(changed.body).toMatchObject({ lowStockThreshold: 3, levels: [3, 1, 0], alertedLevel: null });
    await sweep();
    expect(levelsOf(poolEvents(campaignId))).toEqual([4, 3]);
    const cleared = await setThreshold(campaignId, { lowStockThreshold: null });
    expect(cleared.body).toMatchObject({ lowStockThreshold: null, levels: [], alertedLevel: null });
    await reserveCodes(campaignId, 3);
    await sweep();
    expect(levelsOf(poolEvents(campaignId))).toEqual([4, 3]);
  });
});

describe('pool routes (contract §4 routes 10–11)', () => {
  it('shows an unknown pool with zero counts and no threshold', async () => {
    const reply = await viewPool('nothing-here');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      campaignId: 'nothing-here',
      type: 'tm',
      counts: { available: 0, reserved: 0, assigned: 0 },
      lowStockThreshold: null,
      levels: [],
      alertedLevel: null,
      lastAlert: null,
    });
  });

  it.each([[-1], [1.5], ['10'], [10_000_001], [undefined], [true]])(
    'rejects lowStockThreshold %s with invalidThreshold',
    async (value) => {
      const reply = await setThreshold('bad-threshold', { lowStockThreshold: value });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ code: 'invalidThreshold' });
    },
  );

  it('accepts the bounds 0 and 10 000 000 and rejects a body that is not an object', async () => {
    expect((await setThreshold('bounds', { lowStockThreshold: 0 })).body.levels).toEqual([0]);
    expect((await setThreshold('bounds', { lowStockThreshold: 10_000_000 })).body.levels).toEqual([
      10_000_000, 5_000_000, 2_500_000, 1_250_000, 0,
    ]);
    const reply = await setThreshold('bounds', [1]);
    expect(reply.body).toMatchObject({ code: 'invalidThreshold' });
  });

  it('rejects an unknown type and a caller who is not supreme', async () => {
    const wrongType = await setThreshold('types', { lowStockThreshold: 1 }, 'gold');
    expect(wrongType).toMatchObject({ status: 400, body: { code: 'invalidType' } });
    const notSupreme = await invoke(getPool, {
      method: 'GET',
      route: poolRoute,
      pathParameters: { campaignId: 'types', type: 'tm' },
      auth: { sub: 'someone', isSupreme: false },
    });
    expect(notSupreme).toMatchObject({ status: 401, body: { code: 'supremeUserRequired' } });
  });
});

describe('import events (contract §6b)', () => {
  const importEvents = (key: string) =>
    bridge
      .events()
      .filter((event) => event['detail-type'].startsWith('Import ') && event.detail.key === key)
      .map((event) => ({ detailType: event['detail-type'], ...(validDetail(event) as { type?: string }) }));

  it('publishes Import Succeeded with the counts when a good file is imported', async () => {
    const key = 'codes/imported/external/good.csv';
    const result = await importCodes(key, ['G1', 'G2', 'G2', 'G3']);
    expect(importEvents(key)).toEqual([
      {
        detailType: 'Import Succeeded',
        eventId: `${result.imports[0]!.importId}-succeeded`,
        importId: result.imports[0]!.importId,
        campaignId: 'imported',
        type: 'external',
        bucket: s3.bucket,
        key,
        count: { in: 4, inserted: 3, updated: 0, duplicates: 1, rejected: 0, skipped: 0 },
        at: expect.any(String),
      },
    ]);
  });

  it('publishes Import Failed with the reason when a file cannot be imported', async () => {
    const key = 'codes/imported/gold/bad.csv';
    const result = await importCodes(key, ['X1']);
    expect(result.imports[0]).toMatchObject({ outcome: 'failed' });
    expect(importEvents(key)).toEqual([
      expect.objectContaining({
        detailType: 'Import Failed',
        eventId: `${result.imports[0]!.importId}-failed`,
        campaignId: 'imported',
        error: expect.objectContaining({ reason: 'invalidType' }),
      }),
    ]);
    expect(importEvents(key)[0]!.type).toBeUndefined();
    // A redelivery of the same event finds the final record: no second event.
    await importS3((await objectCreatedEvent(s3, key)) as never, lambdaContext('importS3')).catch(
      () => undefined,
    );
    expect(importEvents(key)).toHaveLength(1);
  });
});
