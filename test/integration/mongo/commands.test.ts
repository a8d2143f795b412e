/**
 * Connection-level commands and generic command handling, as any MongoDB server answers them.
 */
import { describe, expect, it } from 'vitest';
import { errorOf, useTestDb } from './support.ts';

const t = useTestDb();

describe('handshake and generic commands', () => {
  it('answers ping', async () => {
    expect(await t.db.command({ ping: 1 })).toMatchObject({ ok: 1 });
  });

  it('describes a writable primary with the documented limits in hello', async () => {
    const hello = await t.db.admin().command({ hello: 1 });
    expect(hello).toMatchObject({
      ok: 1,
      isWritablePrimary: true,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      logicalSessionTimeoutMinutes: 30,
    });
    expect(hello.localTime).toBeInstanceOf(Date);
    expect(typeof hello.connectionId).toBe('number');
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(9);
    expect(hello.minWireVersion).toBeLessThanOrEqual(hello.maxWireVersion);
  });

  it('answers the legacy isMaster spelling with ismaster: true', async () => {
    const reply = await t.db.admin().command({ isMaster: 1 });
    expect(reply).toMatchObject({ ok: 1, ismaster: true });
  });

  it('reports a version in buildInfo', async () => {
    const info = await t.db.admin().command({ buildInfo: 1 });
    expect(info.ok).toBe(1);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.versionArray).toHaveLength(4);
  });

  it('rejects an unknown command with CommandNotFound (59)', async () => {
    const error = await errorOf(t.db.command({ nosuch: 1 }));
    expect(error).toMatchObject({
      code: 59,
      codeName: 'CommandNotFound',
      errmsg: "no such command: 'nosuch'",
    });
  });

  it('accepts the generic fields drivers add (comment, maxTimeMS, readConcern, writeConcern)', async () => {
    const coll = t.db.collection('generic');
    await coll.insertOne({ _id: 'g1', v: 1 } as never, { comment: 'c', writeConcern: { w: 1 } });
    const found = await coll
      .find({}, { comment: 'find', maxTimeMS: 5_000, readConcern: { level: 'local' } })
      .toArray();
    expect(found).toEqual([{ _id: 'g1', v: 1 }]);
    expect(
      await t.db.command({
        count: 'generic',
        query: {},
        comment: 'x',
        maxTimeMS: 1_000,
        readConcern: { level: 'local' },
      }),
    ).toMatchObject({ n: 1, ok: 1 });
  });

  it('serves many sequential operations over one client session', async () => {
    const coll = t.db.collection('sessioned');
    const session = t.client.startSession();
    try {
      for (let i = 0; i < 20; i++) await coll.insertOne({ i }, { session });
      expect(await coll.countDocuments({}, { session })).toBe(20);
    } finally {
      await session.endSession();
    }
  });
});
