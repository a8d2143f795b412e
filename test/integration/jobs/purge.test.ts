import { afterAll, describe, expect, it } from 'vitest';
import { startLambdaInvokeServer } from '../../../infra/local/lambda/invoke-server.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import type { PurgeDocument } from '../../../lib/purge/model.ts';
import type { ApiRequest } from '../../support/api-events.ts';
import { codeList, HOUR, seedCodes, snapshot } from '../../support/codes.ts';
import { invoke } from '../../support/invoke.ts';
import { lambdaContext } from '../../support/lambda-context.ts';

// Routes 14 and 15 through the real handlers: the start route hands the purge to the real purge
// function with an asynchronous Lambda Invoke (the local invoke endpoint). Small batches, so every
// purge here runs several of them.
Object.assign(process.env, {
  PURGE_FUNCTION_NAME: 'purgeCodes',
  PURGE_BATCH_SIZE: '7',
  JOB_LEASE_MS: '1000',
});
const { handler: purgeCodes } = await import('../../../functions/purge-codes.ts');
/** Hand-offs the test holds back, to change the pool between a purge's start and its run. */
let parking: unknown[] | undefined;
const invocationErrors: unknown[] = [];
const lambda = await startLambdaInvokeServer({
  functions: {
    purgeCodes: (event, context) => {
      if (parking) return parking.push(event);
      return purgeCodes(event, context);
    },
  },
  onError: (_, error) => invocationErrors.push(error),
  retryDelaysMs: [],
});
process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint;
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
const { handler: startPurge } = await import('../../../functions/start-purge.ts');
const { handler: getPurge } = await import('../../../functions/get-purge.ts');
const { handler: count } = await import('../../../functions/count.ts');
const { purgesStore } = await import('../../../lib/purge/model.ts');

afterAll(async () => {
  await lambda.idle();
  await lambda.stop();
  await closeMongoClient();
});

interface PurgeBody {
  purgeId: string;
  campaignId: string;
  statuses: string[];
  includeAssigned: boolean;
  status: string;
  count: { deleted: number };
  progress: { batches: number };
  attempts: number;
  code?: string;
  message?: string;
}

const post = (campaignId: string, body: unknown, extra: Partial<ApiRequest> = {}) =>
  invoke<PurgeBody>(startPurge, {
    method: 'POST',
    route: '/v1/{campaignId}/purges',
    pathParameters: { campaignId },
    body,
    ...extra,
  });
const get = (campaignId: string, purgeId: string, extra: Partial<ApiRequest> = {}) =>
  invoke<PurgeBody>(getPurge, {
    method: 'GET',
    route: '/v1/{campaignId}/purges/{purgeId}',
    pathParameters: { campaignId, purgeId },
    ...extra,
  });
const counts = async (campaignId: string, type = 'tm') =>
  (
    await invoke<Record<string, number>>(count, {
      method: 'GET',
      route: '/v1/{campaignId}/codes/count',
      pathParameters: { campaignId },
      query: { type },
    })
  ).body;

async function purgeOf(campaignId: string, body: unknown): Promise<PurgeBody> {
  const started = await post(campaignId, body);
  expect(started.status).toBe(202);
  expect(started.body).toEqual({ purgeId: expect.stringMatching(/^[0-9a-f]{32}$/), status: 'running' });
  expect(started.headers.location).toBe(`/v1/${campaignId}/purges/${started.body.purgeId}`);
  await lambda.idle();
  const record = await get(campaignId, started.body.purgeId);
  expect(record.status).toBe(200);
  return record.body;
}

/** A pool of 30 available (2 of them with an expired reservation), 5 reserved, 3 assigned. */
async function seedPool(campaignId: string): Promise<void> {
  const now = Date.now();
  await seedCodes(campaignId, 'tm', codeList('A', 28), { saved: new Date(now - 3 * HOUR) });
  await seedCodes(campaignId, 'tm', ['EXPIRED-1', 'EXPIRED-2'], {
    saved: new Date(now - 30 * HOUR),
    reserved: new Date(now - 25 * HOUR),
    reserveId: 'old',
  });
  await seedCodes(campaignId, 'tm', codeList('R', 5), {
    saved: new Date(now - 3 * HOUR),
    reserved: new Date(now - HOUR),
    reserveId: 'res',
  });
  await seedCodes(campaignId, 'tm', codeList('S', 3), {
    saved: new Date(now - 3 * HOUR),
    assigned: new Date(now - 2 * HOUR),
  });
  await seedCodes(campaignId, 'external', codeList('X', 4), { saved: new Date(now - 3 * HOUR) });
}

describe('POST /v1/{campaignId}/purges and GET …/purges/{purgeId}', () => {
  it('deletes the pool codes of the listed statuses, in batches, and counts them', async () => {
    await seedPool('pur-1');
    await seedPool('pur-10');
    const record = await purgeOf('pur-1', { type: 'tm', statuses: ['available'] });
    expect(record).toMatchObject({
      campaignId: 'pur-1',
      type: 'tm',
      statuses: ['available'],
      includeAssigned: false,
      status: 'succeeded',
      count: { deleted: 30 },
      progress: { batches: 5 },
      attempts: 1,
    });
    expect(await counts('pur-1')).toEqual({ available: 0, reserved: 5, assigned: 3 });
    // Other types and campaigns are untouched.
    expect(await counts('pur-1', 'external')).toEqual({ available: 4, reserved: 0, assigned: 0 });
    expect(await counts('pur-10')).toEqual({ available: 30, reserved: 5, assigned: 3 });

    // A repeat finds nothing more to delete and succeeds.
    const again = await purgeOf('pur-1', { type: 'tm', statuses: ['available'] });
    expect(again).toMatchObject({ status: 'succeeded', count: { deleted: 0 } });
    // A redelivery of a finished purge does nothing.
    const repeat = await purgeCodes(
      { kind: 'codePurge', jobId: record.purgeId },
      lambdaContext('purgeCodes'),
    );
    expect(repeat).toEqual({ purgeId: record.purgeId, outcome: 'alreadyFinished' });
    expect(invocationErrors).toEqual([]);
  });

  it('deletes assigned codes only when includeAssigned is true', async () => {
    await seedPool('pur-2');
    for (const body of [
      { type: 'tm', statuses: ['assigned'] },
      { type: 'tm', statuses: ['reserved', 'assigned'], includeAssigned: false },
    ]) {
      const refused = await post('pur-2', body);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('invalidStatuses');
    }
    expect(await counts('pur-2')).toEqual({ available: 30, reserved: 5, assigned: 3 });
    const record = await purgeOf('pur-2', {
      type: 'tm',
      statuses: ['reserved', 'assigned', 'reserved'],
      includeAssigned: true,
    });
    expect(record).toMatchObject({
      status: 'succeeded',
      statuses: ['reserved', 'assigned'],
      includeAssigned: true,
      count: { deleted: 8 },
    });
    expect(await counts('pur-2')).toEqual({ available: 30, reserved: 0, assigned: 0 });
  });

  it('does not delete codes reserved, assigned or imported again after the purge started', async () => {
    await seedPool('pur-3');
    parking = [];
    const started = await post('pur-3', {
      type: 'tm',
      statuses: ['available', 'reserved', 'assigned'],
      includeAssigned: true,
    });
    expect(started.status).toBe(202);
    const [handedOff] = parking;
    parking = undefined;
    // Meanwhile: 3 available codes are reserved, 1 reserved code is assigned, 1 is re-imported.
    const { codesCollection } = await import('../../../lib/mongo/collections.ts');
    const codes = await codesCollection();
    const later = new Date(Date.now() + 5);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await codes.updateMany(
      { '_id.campaign_id': 'pur-3', '_id.code': { $in: ['A000000', 'A000001', 'A000002'] } },
      { $set: { 'date.reserved': later, reserveId: 'late' } },
    );
    await codes.updateOne(
      { _id: { campaign_id: 'pur-3', code: 'R000000' } },
      { $set: { 'date.assigned': later } },
    );
    await codes.updateOne(
      { _id: { campaign_id: 'pur-3', code: 'A000003' } },
      { $set: { 'date.saved': later } },
    );

    await purgeCodes(handedOff, lambdaContext('purgeCodes'));
    const record = await get('pur-3', started.body.purgeId);
    expect(record.body).toMatchObject({ status: 'succeeded', count: { deleted: 38 - 5 } });
    expect((await snapshot('pur-3')).filter((doc) => doc.type === 'tm').map((doc) => doc._id.code)).toEqual([
      'A000000',
      'A000001',
      'A000002',
      'A000003',
      'R000000',
    ]);
  });

  it('resumes a crashed purge and still counts each deleted code exactly once', async () => {
    await seedPool('pur-4');
    parking = [];
    const started = await post('pur-4', { type: 'tm', statuses: ['available'] });
    parking = undefined;
    // The state a crash leaves: an attempt noted a batch of 7, deleted 4 of them, then died (its
    // lease long expired); 2 batches (14 codes) had been deleted and counted before.
    const { codesCollection } = await import('../../../lib/mongo/collections.ts');
    const codes = await codesCollection();
    const before = codeList('A', 28);
    await codes.deleteMany({ '_id.campaign_id': 'pur-4', '_id.code': { $in: before.slice(0, 18) } });
    const purges = await purgesStore.collection();
    await purges.updateOne({ _id: started.body.purgeId }, {
      $set: {
        attemptId: 'crashed-attempt',
        attempts: 1,
        updatedAt: new Date(Date.now() - 60_000),
        count: { deleted: 14 },
        progress: { batches: 2 },
        pending: { codes: before.slice(14, 21) },
      },
    } as Partial<PurgeDocument>);

    const outcome = await purgeCodes(
      { kind: 'codePurge', jobId: started.body.purgeId },
      lambdaContext('purgeCodes'),
    );
    expect(outcome).toEqual({ purgeId: started.body.purgeId, outcome: 'purged', deleted: 30 });
    const record = await get('pur-4', started.body.purgeId);
    expect(record.body).toMatchObject({ status: 'succeeded', attempts: 2, count: { deleted: 30 } });
    expect(await counts('pur-4')).toEqual({ available: 0, reserved: 5, assigned: 3 });
    expect(await (await purgesStore.collection()).findOne({ _id: started.body.purgeId })).not.toHaveProperty(
      'pending',
    );
  });

  it('checks the supreme claim before anything else', async () => {
    const reply = await post('pur-1', { statuses: [] }, { auth: { sub: 'someone', isSupreme: false } });
    expect(reply.status).toBe(401);
    expect(reply.body.code).toBe('supremeUserRequired');
  });

  it.each([
    ['no type', { statuses: ['available'] }, 'missingType'],
    ['an unknown type', { type: 'vip', statuses: ['available'] }, 'invalidType'],
    ['no statuses', { type: 'tm' }, 'invalidStatuses'],
    ['empty statuses', { type: 'tm', statuses: [] }, 'invalidStatuses'],
    ['an unknown status', { type: 'tm', statuses: ['available', 'sold'] }, 'invalidStatuses'],
    ['statuses that are not a list', { type: 'tm', statuses: 'available' }, 'invalidStatuses'],
    [
      'includeAssigned that is not a boolean',
      { type: 'tm', statuses: ['assigned'], includeAssigned: 'yes' },
      'invalidStatuses',
    ],
  ])('answers 400 for %s', async (_, body, code) => {
    const reply = await post('pur-1', body);
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe(code);
  });

  it('knows only the campaign own purges', async () => {
    const record = await purgeOf('pur-5', { type: 'tm', statuses: ['reserved'] });
    expect(record.count.deleted).toBe(0);
    expect((await get('pur-5', record.purgeId, { auth: { isSupreme: false } })).status).toBe(401);
    for (const [campaignId, purgeId] of [
      ['other-campaign', record.purgeId],
      ['pur-5', '0123456789abcdef0123456789abcdef'],
      ['pur-5', 'nope'],
    ] as const) {
      const reply = await get(campaignId, purgeId);
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ code: 'purgeNotFound', message: 'No such purge in this campaign' });
    }
  });
});
