import { type Db, MongoClient } from 'mongodb';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImportDocument } from '../../../lib/import/model.ts';
import { lambdaContext } from '../../support/lambda-context.ts';
import { s3Environment, startS3rver } from '../../support/s3rver.ts';
import { mongoHostOf, mongoUriVia, startTcpProxy } from '../../support/tcp-proxy.ts';
import { csvOf, objectCreatedEvent } from './support.ts';

// The database becomes unreachable in the middle of an import. The importer reaches the shared
// server through a TCP proxy that the test cuts at an exact point of the import (so other test
// files, and a real MongoDB, are unaffected); the test itself looks at the data directly.
const BATCH_SIZE = 100;
const LEASE_MS = 1000;
const directUri = process.env.MONGODB_URI!;
const proxy = await startTcpProxy(mongoHostOf(directUri));
const s3 = await startS3rver({ bucket: 'import-db-failure-test' });
Object.assign(process.env, s3Environment(s3), {
  MONGODB_URI: mongoUriVia(directUri, proxy),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1500',
  IMPORT_BATCH_SIZE: String(BATCH_SIZE),
  IMPORT_LEASE_MS: String(LEASE_MS),
});
const { handler } = await import('../../../functions/import-s3.ts');
const { logger } = await import('../../../lib/observability.ts');
const { checkHealth } = await import('../../../lib/health.ts');
const { closeMongoClient } = await import('../../../lib/mongo/client.ts');

const direct = await new MongoClient(directUri).connect();
const db: Db = direct.db(process.env.MONGODB_DB);

afterAll(async () => {
  vi.restoreAllMocks();
  await closeMongoClient();
  await direct.close();
  await proxy.stop();
  await s3.stop();
});
beforeEach(() => {
  vi.restoreAllMocks();
  proxy.restore();
});

const run = (event: unknown) => handler(event, lambdaContext('importS3'));
const record = async (importId: string) =>
  db.collection<ImportDocument>('imports').findOne({ _id: importId }) as Promise<ImportDocument>;
const poolSize = (campaignId: string) =>
  db.collection('codes').countDocuments({ '_id.campaign_id': campaignId });

/** Cuts the database off when the importer logs `message` for batch `batch` (synchronously, at that point). */
function cutAt(level: 'info' | 'debug', message: string, batch: number) {
  const original = logger[level].bind(logger);
  vi.spyOn(logger, level).mockImplementation(((text: string, ...extra: unknown[]) => {
    if (text === message && (extra[0] as { batch?: number } | undefined)?.batch === batch) proxy.cut();
    return original(text as never, ...(extra as never[]));
  }) as never);
}

/** Reconnected, and the failed attempt's lease has run out (it could not mark itself failed). */
async function readyForRetry(importId: string) {
  proxy.restore();
  vi.restoreAllMocks();
  await vi.waitFor(async () => expect((await checkHealth()).status).toBe('ok'), {
    timeout: 10_000,
    interval: 100,
  });
  const stalled = await record(importId);
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, stalled.updatedAt.getTime() + LEASE_MS + 50 - Date.now())),
  );
}

/**
 * 450 codes (5 batches of 100, the last one partial), 150 of which already exist (every third:
 * 34 in the first batch, 33 in the second), so both `inserted` and `updated` must come out exact.
 */
async function prepare(campaignId: string) {
  const codes = Array.from({ length: 450 }, (_, i) => `${campaignId}-${String(i).padStart(4, '0')}`);
  const existing = codes.filter((_, i) => i % 3 === 0);
  const saved = new Date(Date.now() - 60_000);
  await db.collection('codes').insertMany(
    existing.map((code) => ({
      _id: { campaign_id: campaignId, code },
      type: 'tm',
      date: { saved },
    })) as never[],
  );
  const key = `codes/${campaignId}/tm/codes.csv`;
  await s3.put(key, csvOf(codes));
  return { codes, event: await objectCreatedEvent(s3, key) };
}

const exactCounts = { in: 450, inserted: 300, updated: 150, duplicates: 0, rejected: 0, skipped: 0 };

describe('the database becomes unreachable in the middle of an import', () => {
  it('between two batches: the invocation fails, the record says where, the retry completes it exactly', async () => {
    const { event } = await prepare('cut-between');
    cutAt('info', 'Import batch committed', 1);
    await expect(run(event)).rejects.toThrow(/Mongo|connect|closed/i);

    const importId = (await db
      .collection<ImportDocument>('imports')
      .findOne({ key: 'codes/cut-between/tm/codes.csv' }))!._id;
    const stopped = await record(importId);
    expect(stopped).toMatchObject({
      status: 'running', // it could not even mark itself failed; its lease runs out instead
      attempts: 1,
      progress: { rows: 100, lines: 100, batches: 1 },
      count: { in: 100, inserted: 66, updated: 34, duplicates: 0, rejected: 0, skipped: 0 },
    });
    expect(stopped.pending).toBeUndefined();
    expect(await poolSize('cut-between')).toBe(150 + 66);

    await readyForRetry(importId);
    const retry = await run(event);
    expect(retry.imports[0]).toMatchObject({ importId, status: 'succeeded', outcome: 'imported' });
    const done = await record(importId);
    expect(done).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      count: exactCounts,
      progress: { rows: 450, batches: 5 },
    });
    expect(await poolSize('cut-between')).toBe(450);
  });

  it('after a batch was written but before it was recorded: the replay counts it exactly once', async () => {
    const { event } = await prepare('cut-unrecorded');
    cutAt('debug', 'Import batch written', 2);
    await expect(run(event)).rejects.toThrow(/Mongo|connect|closed/i);

    const importId = (await db
      .collection<ImportDocument>('imports')
      .findOne({ key: 'codes/cut-unrecorded/tm/codes.csv' }))!._id;
    const stopped = await record(importId);
    expect(stopped).toMatchObject({
      status: 'running',
      progress: { rows: 100, batches: 1 },
      count: { in: 100, inserted: 66, updated: 34 },
      // Batch 2 (rows 101–200) is written, and its write-ahead note says 33 of its 100 codes existed.
      pending: { batch: 2, fromRow: 100, distinct: 100, existing: 33 },
    });
    expect(await poolSize('cut-unrecorded')).toBe(150 + 66 + 67);

    await readyForRetry(importId);
    const retry = await run(event);
    expect(retry.imports[0]).toMatchObject({ importId, status: 'succeeded', outcome: 'imported' });
    const done = await record(importId);
    // Without the note, batch 2's 67 new codes would now count as updated (inserted 233, updated 217).
    expect(done).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      count: exactCounts,
      progress: { rows: 450, batches: 5 },
    });
    expect(done.pending).toBeUndefined();
    expect(await poolSize('cut-unrecorded')).toBe(450);
  });

  it('records the failure when the database is back before the invocation ends; the retry resumes at once', async () => {
    const { event } = await prepare('cut-brief');
    cutAt('info', 'Import batch committed', 3);
    // The database answers again by the time the importer records its failure.
    const original = logger.error.bind(logger);
    vi.spyOn(logger, 'error').mockImplementation(((text: string, ...extra: unknown[]) => {
      if (text === 'Import interrupted; a retry resumes it') proxy.restore();
      return original(text as never, ...(extra as never[]));
    }) as never);
    await expect(run(event)).rejects.toThrow(/Mongo|connect|closed/i);

    const failed = (await db
      .collection<ImportDocument>('imports')
      .findOne({ key: 'codes/cut-brief/tm/codes.csv' }))!;
    expect(failed).toMatchObject({
      status: 'failed',
      progress: { rows: 300, batches: 3 },
      error: { reason: 'internal', retryable: true },
    });
    // What route 6 shows: a category, not the driver's message (hosts, ports).
    expect(failed.error!.message).toMatch(
      /^The database failed or was unreachable \(Mongo\w+Error\); a retry resumes the import$/,
    );

    // A failed import is taken over at once (no lease to wait for).
    vi.restoreAllMocks();
    const retry = await run(event);
    expect(retry.imports[0]).toMatchObject({ status: 'succeeded', outcome: 'imported' });
    const done = await record(failed._id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, count: exactCounts });
    expect(done.error).toBeUndefined();
    expect(await poolSize('cut-brief')).toBe(450);
  });
});
