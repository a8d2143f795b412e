import { afterAll, describe, expect, it } from 'vitest';
import { handler as reserve } from '../../../functions/reserve.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { codeList, poolCounts, seedCodes } from '../../support/codes.ts';
import { invoke } from '../../support/invoke.ts';

const CALLERS = 64;
const PER_CALL = 10;

async function reserveConcurrently(campaignId: string) {
  const replies = await Promise.all(
    Array.from({ length: CALLERS }, () =>
      invoke<string[]>(reserve, {
        method: 'GET',
        route: '/v1/{campaignId}/reserve',
        pathParameters: { campaignId },
        query: { count: String(PER_CALL), type: 'tm' },
      }),
    ),
  );
  for (const reply of replies) expect(reply.status).toBe(200);
  return replies.map((reply) => reply.body);
}

const counts = poolCounts;

afterAll(() => closeMongoClient());

describe('reservation under concurrency', () => {
  it('hands out exactly the 500 codes of a 500-code pool to 64 callers of 10, none twice', async () => {
    const pool = codeList('SMALL', 500);
    await seedCodes('camp-small', 'tm', pool);
    const granted = (await reserveConcurrently('camp-small')).flat();
    expect(granted).toHaveLength(500);
    expect(new Set(granted).size).toBe(500);
    expect([...granted].sort()).toEqual(pool);
    expect(await counts('camp-small')).toEqual({ available: 0, reserved: 500, assigned: 0 });
  });

  it('grants all 640 codes from a 10 000-code pool, none twice', async () => {
    await seedCodes('camp-large', 'tm', codeList('LARGE', 10_000));
    const replies = await reserveConcurrently('camp-large');
    for (const codes of replies) expect(codes).toHaveLength(PER_CALL);
    const granted = replies.flat();
    expect(new Set(granted).size).toBe(CALLERS * PER_CALL);
    expect(await counts('camp-large')).toEqual({ available: 10_000 - 640, reserved: 640, assigned: 0 });
  });

  it('gives 8 concurrent retries of one client reserveId the same 10 codes, and reserves only 10', async () => {
    await seedCodes('camp-retry-race', 'tm', codeList('RACE', 200));
    const replies = await Promise.all(
      Array.from({ length: 8 }, () =>
        invoke<string[]>(reserve, {
          method: 'GET',
          route: '/v1/{campaignId}/reserve',
          pathParameters: { campaignId: 'camp-retry-race' },
          query: { count: '10', type: 'tm', reserveId: 'order-77' },
        }),
      ),
    );
    const first = [...replies[0]!.body].sort();
    expect(first).toHaveLength(10);
    for (const reply of replies) {
      expect(reply.headers['x-reserve-id']).toBe('order-77');
      expect([...reply.body].sort()).toEqual(first);
    }
    expect(await counts('camp-retry-race')).toEqual({ available: 190, reserved: 10, assigned: 0 });
  });
});
