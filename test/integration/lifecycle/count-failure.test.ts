import { Collection } from 'mongodb';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { handler as count } from '../../../functions/count.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { codeList, seedCodes } from '../../support/codes.ts';
import { invoke } from '../../support/invoke.ts';

afterAll(() => closeMongoClient());
afterEach(() => vi.restoreAllMocks());

describe('count when one of its counts fails', () => {
  it('answers 500 only once every count it started has finished (none outlives the invocation)', async () => {
    await seedCodes('camp-count-failure', 'tm', codeList('CF', 5));
    // One of the three counts fails at once (a real server cannot be made to fail just one of
    // three concurrent commands); the other two are real and slower.
    const real = Collection.prototype.countDocuments;
    let calls = 0;
    const finished: string[] = [];
    vi.spyOn(Collection.prototype, 'countDocuments').mockImplementation(function (
      this: Collection,
      ...args: Parameters<Collection['countDocuments']>
    ) {
      const call = ++calls;
      if (call === 1) return Promise.reject(new Error('count failed'));
      return new Promise<void>((resolve) => setTimeout(resolve, 150)).then(async () => {
        const n = await real.apply(this, args);
        finished.push(`count ${call}`);
        return n;
      });
    });
    const reply = await invoke(count, {
      method: 'GET',
      route: '/v1/{campaignId}/codes/count',
      pathParameters: { campaignId: 'camp-count-failure' },
      query: { type: 'tm' },
    });
    expect(reply.status).toBe(500);
    expect(calls).toBe(3);
    expect(finished.sort()).toEqual(['count 2', 'count 3']);
  });
});
