import { afterAll, describe, expect, it } from 'vitest';
import { invoke } from '../../support/invoke.ts';
import { mongoHostOf, mongoUriVia, startTcpProxy } from '../../support/tcp-proxy.ts';

// The functions reach the database through a TCP proxy this test cuts and restores, so the same
// test runs against the embedded server and a real MongoDB alike.
const directUri = process.env.MONGODB_URI!;
const proxy = await startTcpProxy(mongoHostOf(directUri));
process.env.MONGODB_URI = mongoUriVia(directUri, proxy);
process.env.MONGODB_SERVER_SELECTION_TIMEOUT_MS = '1000';

// Config is read at module load: import the functions only once the environment points at the proxy.
const { handler: heartbeat } = await import('../../../functions/heartbeat.ts');
const { handler: count } = await import('../../../functions/count.ts');
const { handler: getImport } = await import('../../../functions/get-import.ts');
const { closeMongoClient } = await import('../../../lib/mongo/client.ts');

afterAll(async () => {
  proxy.restore();
  await closeMongoClient();
  await proxy.stop();
});

const countRequest = {
  method: 'GET' as const,
  route: '/v1/{campaignId}/codes/count',
  pathParameters: { campaignId: 'camp-down' },
  query: { type: 'tm' },
  headers: { 'x-correlation-id': 'down-1' },
};

describe('when MongoDB is unreachable', () => {
  it('the heartbeat answers 503 and an operation a bare 500, then both recover', async () => {
    proxy.cut();
    const down = await invoke(heartbeat, { method: 'GET', route: '/heartbeat', auth: null });
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'unavailable', checks: { mongo: false } });

    const failed = await invoke(count, countRequest);
    expect(failed.status).toBe(500);
    // Never the driver's error, the server's address or a stack: only the generic body.
    expect(failed.body).toEqual({ code: 'internalError', message: 'Internal server error' });
    expect(failed.headers['x-correlation-id']).toBe('down-1');

    // The failed connect promise was dropped, so the next invocation connects afresh.
    proxy.restore();
    const up = await invoke(heartbeat, { method: 'GET', route: '/heartbeat', auth: null });
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ status: 'ok', checks: { mongo: true } });
    expect((await invoke(count, countRequest)).body).toEqual({ available: 0, reserved: 0, assigned: 0 });
  });

  it('answers 404 for an import id that no import can have, without asking the database', async () => {
    proxy.cut();
    try {
      const hex = '0123456789abcdef'.repeat(2);
      for (const importId of [`z${hex}`, `${hex}z`, hex.toUpperCase()]) {
        const reply = await invoke(getImport, {
          method: 'GET',
          route: '/v1/{campaignId}/imports/{importId}',
          pathParameters: { campaignId: 'camp-down', importId },
        });
        expect(reply.status).toBe(404);
        expect(reply.body).toEqual({ code: 'importNotFound', message: expect.any(String) });
      }
    } finally {
      proxy.restore();
    }
  });
});
