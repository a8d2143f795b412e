import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as assign } from '../../../functions/assign.ts';
import { handler as count } from '../../../functions/count.ts';
import { handler as release } from '../../../functions/release.ts';
import { handler as reserve } from '../../../functions/reserve.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { logger } from '../../../lib/observability.ts';
import type { ApiRequest } from '../../support/api-events.ts';
import { codeList, seedCodes, snapshot } from '../../support/codes.ts';
import { type Handler, invoke } from '../../support/invoke.ts';

const campaignId = 'camp-validation';
const pathParameters = { campaignId };
const countReq = (query: Record<string, string>, auth?: ApiRequest['auth']): ApiRequest => ({
  method: 'GET',
  route: '/v1/{campaignId}/codes/count',
  pathParameters,
  query,
  auth,
});
const reserveReq = (query: Record<string, string>, auth?: ApiRequest['auth']): ApiRequest => ({
  method: 'GET',
  route: '/v1/{campaignId}/reserve',
  pathParameters,
  query,
  auth,
});
const assignReq = (body: unknown, extra: Partial<ApiRequest> = {}): ApiRequest => ({
  method: 'POST',
  route: '/v1/{campaignId}/assign',
  pathParameters,
  body,
  ...extra,
});
const releaseReq = (body: unknown, extra: Partial<ApiRequest> = {}): ApiRequest => ({
  method: 'POST',
  route: '/v1/{campaignId}/release',
  pathParameters,
  body,
  ...extra,
});

const notSupreme = { sub: 'someone', isSupreme: false };
const tooMany = Array.from({ length: 50_001 }, (_, i) => `C${i}`);

type Case = [name: string, handler: Handler, request: ApiRequest, status: number, code: string];

// contract §4's validation table, row by row, for the lifecycle routes.
const cases: Case[] = [
  ['count without isSupreme', count, countReq({ type: 'tm' }, notSupreme), 401, 'supremeUserRequired'],
  [
    'count with isSupreme "true" (a string)',
    count,
    countReq({ type: 'tm' }, { sub: 'x', isSupreme: 'true' as unknown as boolean }),
    401,
    'supremeUserRequired',
  ],
  [
    'reserve without isSupreme, before other checks',
    reserve,
    reserveReq({}, notSupreme),
    401,
    'supremeUserRequired',
  ],
  [
    'assign without isSupreme, before other checks',
    assign,
    assignReq({}, { auth: notSupreme }),
    401,
    'supremeUserRequired',
  ],
  [
    'release without isSupreme',
    release,
    releaseReq({ codes: ['TM000001'] }, { auth: notSupreme }),
    401,
    'supremeUserRequired',
  ],
  [
    'assign without isSupreme and with malformed JSON: the supreme check comes first',
    assign,
    { ...assignReq(undefined, { auth: notSupreme }), rawBody: '{"codes": [' },
    401,
    'supremeUserRequired',
  ],
  [
    'release without isSupreme and a text/plain body: the supreme check comes first',
    release,
    releaseReq({ codes: ['TM000001'] }, { auth: notSupreme, headers: { 'content-type': 'text/plain' } }),
    401,
    'supremeUserRequired',
  ],
  ['count without type', count, countReq({}), 400, 'missingType'],
  ['count with an unknown type', count, countReq({ type: 'vip' }), 400, 'invalidType'],
  ['count with an unknown status', count, countReq({ type: 'tm', status: 'sold' }), 400, 'invalidStatus'],
  ['reserve without count', reserve, reserveReq({ type: 'tm' }), 400, 'missingCodeReserveParams'],
  ['reserve without type', reserve, reserveReq({ count: '1' }), 400, 'missingCodeReserveParams'],
  ['reserve with count 0', reserve, reserveReq({ count: '0', type: 'tm' }), 400, 'invalidCount'],
  ['reserve with count 50001', reserve, reserveReq({ count: '50001', type: 'tm' }), 400, 'invalidCount'],
  ['reserve with a fractional count', reserve, reserveReq({ count: '1.5', type: 'tm' }), 400, 'invalidCount'],
  ['reserve with a negative count', reserve, reserveReq({ count: '-3', type: 'tm' }), 400, 'invalidCount'],
  [
    'reserve with a non-numeric count',
    reserve,
    reserveReq({ count: 'ten', type: 'tm' }),
    400,
    'invalidCount',
  ],
  ['reserve with an unknown type', reserve, reserveReq({ count: '1', type: 'vip' }), 400, 'invalidType'],
  [
    'reserve with a reserveId holding a space',
    reserve,
    reserveReq({ count: '1', type: 'tm', reserveId: 'a b' }),
    400,
    'invalidReserveId',
  ],
  [
    'reserve with a 65-character reserveId',
    reserve,
    reserveReq({ count: '1', type: 'tm', reserveId: 'x'.repeat(65) }),
    400,
    'invalidReserveId',
  ],
  ['assign without codes', assign, assignReq({}), 400, 'missingCodes'],
  ['assign with codes as a string', assign, assignReq({ codes: 'TM000001' }), 400, 'invalidCodesProp'],
  ['assign with a non-string code', assign, assignReq({ codes: ['TM000001', 7] }), 400, 'invalidCodesProp'],
  [
    'assign with an operator object as code',
    assign,
    assignReq({ codes: [{ $gt: '' }] }),
    400,
    'invalidCodesProp',
  ],
  ['assign with an empty string code', assign, assignReq({ codes: [''] }), 400, 'invalidCodesProp'],
  [
    'assign with a 257-character code',
    assign,
    assignReq({ codes: ['x'.repeat(257)] }),
    400,
    'invalidCodesProp',
  ],
  ['assign with no codes', assign, assignReq({ codes: [] }), 400, 'emptyCodes'],
  ['assign with 50001 codes', assign, assignReq({ codes: tooMany }), 400, 'tooManyCodes'],
  ['release without codes or reserveId', release, releaseReq({}), 400, 'missingCodes'],
  ['release with no codes', release, releaseReq({ codes: [] }), 400, 'emptyCodes'],
  ['release with codes as an object', release, releaseReq({ codes: { $ne: null } }), 400, 'invalidCodesProp'],
  [
    'release with a malformed reserveId',
    release,
    releaseReq({ reserveId: '../etc' }),
    400,
    'invalidReserveId',
  ],
  ['release with 50001 codes', release, releaseReq({ codes: tooMany }), 400, 'tooManyCodes'],
  [
    'assign with malformed JSON',
    assign,
    { ...assignReq(undefined), rawBody: '{"codes": [' },
    400,
    'invalidJson',
  ],
  ['release with a JSON array body', release, releaseReq([1, 2]), 400, 'missingCodes'],
  ['assign with a JSON null body', assign, { ...assignReq(undefined), rawBody: 'null' }, 400, 'missingCodes'],
  // API Gateway always passes the authorizer's context; without it the caller is no one, never a crash.
  [
    'assign without the authorizer context',
    assign,
    assignReq({ codes: ['TM000001'] }, { auth: null }),
    401,
    'supremeUserRequired',
  ],
  [
    'assign with a text/plain body',
    assign,
    assignReq({ codes: ['TM000001'] }, { headers: { 'content-type': 'text/plain' } }),
    415,
    'unsupportedMediaType',
  ],
];

let before: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  await seedCodes(campaignId, 'tm', codeList('TM', 10));
  await seedCodes(campaignId, 'tm', ['RES1'], { reserved: new Date(), reserveId: 'held' });
  before = await snapshot(campaignId);
});
afterAll(() => closeMongoClient());
afterEach(() => vi.restoreAllMocks());

describe('contract §4 validation', () => {
  it.each(cases)('%s → %i %s', async (_name, handler, request, status, code) => {
    const info = vi.spyOn(logger, 'info');
    const warn = vi.spyOn(logger, 'warn');
    const reply = await invoke<{ code: string; message: string }>(handler, request);
    // One log line that explains the rejection (status, contract code, reason), and no other
    // warning (a reserved key such as `message` would be dropped with a WARN of its own).
    expect(info).toHaveBeenCalledWith('Request rejected', {
      statusCode: status,
      code,
      reason: reply.body.message,
    });
    expect(warn).not.toHaveBeenCalled();
    expect(reply.status).toBe(status);
    expect(reply.body.code).toBe(code);
    expect(typeof reply.body.message).toBe('string');
    expect(reply.body.message.length).toBeGreaterThan(0);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
  });

  it('left the data untouched', async () => {
    expect(await snapshot(campaignId)).toEqual(before);
  });
});
