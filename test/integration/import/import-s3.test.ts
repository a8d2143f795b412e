import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { encodeS3EventKey } from '../../../infra/local/s3/key-encoding.ts';
import type { CodeDocument } from '../../../lib/codes/model.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { codesCollection } from '../../../lib/mongo/collections.ts';
import { HOUR, seedCodes, snapshot } from '../../support/codes.ts';
import { lambdaContext } from '../../support/lambda-context.ts';
import { s3Environment, startS3rver } from '../../support/s3rver.ts';
import { csvOf, eventForMissingObject, objectCreatedEvent } from './support.ts';

// The S3 trigger, end to end: real S3 events against s3rver and the shared MongoDB-compatible server.
// Small batches, so a handful of rows already spans several batches.
const BATCH_SIZE = 4;
const s3 = await startS3rver({ bucket: 'import-s3-test' });
Object.assign(process.env, s3Environment(s3), { IMPORT_BATCH_SIZE: String(BATCH_SIZE) });
// Imported once the environment is set, as a container starts with its environment in place.
const { handler } = await import('../../../functions/import-s3.ts');
const { findImport } = await import('../../../lib/import/record-store.ts');
const { importIdOf } = await import('../../../lib/import/model.ts');
const { checkHealth } = await import('../../../lib/health.ts');
const { ImportsFailedError } = await import('../../../lib/import/events.ts');
const { logger, metrics } = await import('../../../lib/observability.ts');

afterAll(async () => {
  await closeMongoClient();
  await s3.stop();
});

type Outcome = Awaited<ReturnType<typeof handler>>;
const run = (event: unknown): Promise<Outcome> => handler(event, lambdaContext('importS3'));
/** Runs the importer; a file that cannot be imported fails the invocation, with the outcomes on the error. */
const runAllowingFailure = (event: unknown): Promise<Outcome> =>
  run(event).catch((error: unknown) => {
    if (error instanceof ImportsFailedError) return error.result;
    throw error;
  });

/** Puts a file, delivers its ObjectCreated event, and returns the import record. */
async function importFile(key: string, body: string | Uint8Array) {
  await s3.put(key, body);
  const event = await objectCreatedEvent(s3, key);
  const result = await runAllowingFailure(event);
  expect(result.imports).toHaveLength(1);
  const record = await findImport(result.imports[0]!.importId);
  if (!record) throw new Error('no import record');
  return { event, result, record };
}

const codesOf = async (campaignId: string): Promise<string[]> =>
  (await snapshot(campaignId)).map((doc) => doc._id.code);

const counts = (
  c: Partial<Record<'in' | 'inserted' | 'updated' | 'duplicates' | 'rejected' | 'skipped', number>>,
) => ({
  in: 0,
  inserted: 0,
  updated: 0,
  duplicates: 0,
  rejected: 0,
  skipped: 0,
  ...c,
});

describe('a well-formed file', () => {
  it('upserts every code as the existing data looks and records the import', async () => {
    const before = Date.now();
    const { result, record } = await importFile(
      'codes/clean/tm/codes.csv',
      csvOf(['A1', 'A2', 'A3', 'A4', 'A5']),
    );
    expect(result.imports[0]).toMatchObject({
      status: 'succeeded',
      outcome: 'imported',
      key: 'codes/clean/tm/codes.csv',
    });
    expect(record).toMatchObject({
      campaignId: 'clean',
      type: 'tm',
      bucket: s3.bucket,
      key: 'codes/clean/tm/codes.csv',
      size: 15,
      source: 's3',
      status: 'succeeded',
      count: counts({ in: 5, inserted: 5 }),
      // Every byte of the file read: `bytes` reaches `size`.
      progress: { rows: 5, lines: 5, batches: 2, bytes: 15 },
      rejects: [],
      attempts: 1,
    });
    expect(record.error).toBeUndefined();
    expect(record.pending).toBeUndefined();
    expect(record.finishedAt!.getTime()).toBeGreaterThanOrEqual(record.startedAt.getTime());
    const docs = await snapshot('clean');
    expect(docs.map((doc) => doc._id.code)).toEqual(['A1', 'A2', 'A3', 'A4', 'A5']);
    for (const doc of docs) {
      // _id field order is fixed by production data: campaign_id, then code.
      expect(Object.keys(doc._id)).toEqual(['campaign_id', 'code']);
      expect(Object.keys(doc).sort()).toEqual(['_id', 'date', 'type']);
      expect(doc.type).toBe('tm');
      expect(Object.keys(doc.date)).toEqual(['saved']);
      expect(doc.date.saved.getTime()).toBeGreaterThanOrEqual(before - 1000);
    }
  });

  it('drops a BOM, reads CRLF and skips the header row', async () => {
    const { record } = await importFile('codes/bom/external/f.csv', '\uFEFFCode,comment\r\nB1,x\r\nB2,y\r\n');
    expect(record.count).toEqual(counts({ in: 2, inserted: 2 }));
    expect(record.progress.rows).toBe(3);
    expect(await codesOf('bom')).toEqual(['B1', 'B2']);
    expect((await snapshot('bom'))[0]!.type).toBe('external');
  });

  it('reads RFC 4180 quoting, commas and line breaks inside fields', async () => {
    const { record } = await importFile(
      'codes/quoted/tm/f.csv',
      '"Q,1",a\n"Q""2"\nQ3,"note\nover two lines"\n"Q\n4"\n',
    );
    expect(record.count).toEqual(counts({ in: 3, inserted: 3, rejected: 1 }));
    expect(record.rejects).toEqual([{ line: 5, reason: 'controlCharacter', value: 'Q\n4' }]);
    expect(await codesOf('quoted')).toEqual(['Q""2'.replace('""', '"'), 'Q,1', 'Q3'].sort());
  });

  it('skips blank and whitespace-only lines and empty first cells, and trims padded codes', async () => {
    const { record } = await importFile(
      'codes/blank/tm/f.csv',
      'code\n\n  P1  \n   \n,orphan\n"  P2 "\n\t\nP3\n\n',
    );
    expect(record.count).toEqual(counts({ in: 3, inserted: 3, skipped: 3 }));
    expect(await codesOf('blank')).toEqual(['P1', 'P2', 'P3']);
  });

  it('collapses repeats inside a batch and counts repeats across batches as updated', async () => {
    // Batches of 4 accepted rows: [D1 D2 D1 D3] [D4 D1 D5 D5] [D2]
    const { record } = await importFile(
      'codes/repeats/tm/f.csv',
      csvOf(['D1', 'D2', 'D1', 'D3', 'D4', 'D1', 'D5', 'D5', 'D2']),
    );
    expect(record.count).toEqual(counts({ in: 9, inserted: 5, updated: 2, duplicates: 2 }));
    expect(record.count.in).toBe(record.count.inserted + record.count.updated + record.count.duplicates);
    expect(await codesOf('repeats')).toEqual(['D1', 'D2', 'D3', 'D4', 'D5']);
  });
});

describe('rows that are rejected', () => {
  it('rejects codes over 256 characters and with control characters, keeping line and reason', async () => {
    const long = 'L'.repeat(257);
    const { record } = await importFile(
      'codes/rejects/tm/f.csv',
      `code\nR1\n${long}\nR\u0007X\n${'M'.repeat(256)}\nR\u0000Y,z\nR2\n`,
    );
    expect(record.status).toBe('succeeded');
    expect(record.count).toEqual(counts({ in: 3, inserted: 3, rejected: 3 }));
    expect(record.rejects).toEqual([
      { line: 3, reason: 'tooLong', value: long.slice(0, 300) },
      { line: 4, reason: 'controlCharacter', value: 'R\u0007X' },
      { line: 6, reason: 'controlCharacter', value: 'R\u0000Y' },
    ]);
    expect(await codesOf('rejects')).toEqual(['M'.repeat(256), 'R1', 'R2']);
  });

  it('keeps the first 100 rejects and counts them all', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? `OK${i}` : `BAD\u0001${i}`));
    const { record } = await importFile('codes/many-rejects/tm/f.csv', csvOf(rows));
    expect(record.count).toEqual(counts({ in: 50, inserted: 50, rejected: 100 }));
    expect(record.rejects).toHaveLength(100);
    expect(record.rejects[0]).toEqual({ line: 2, reason: 'controlCharacter', value: 'BAD\u00011' });
    expect(record.rejects[99]).toEqual({ line: 150, reason: 'controlCharacter', value: 'BAD\u0001149' });
  });
});

describe('files that cannot be imported end failed, with their reason', () => {
  it('fail the invocation (contract §5); the retry finds the final record and does nothing', async () => {
    const key = 'codes/retry-final/tm/f.csv';
    await s3.put(key, '');
    const event = await objectCreatedEvent(s3, key);
    await expect(run(event)).rejects.toThrow(ImportsFailedError);
    const retry = await run(event);
    expect(retry.imports[0]).toMatchObject({ status: 'failed', outcome: 'alreadyFinished' });
    expect((await findImport(retry.imports[0]!.importId))?.attempts).toBe(1);
  });

  it('an unbalanced quote: the complete batches before it are kept, the rest is not guessed at', async () => {
    const { result, record } = await importFile('codes/quote/tm/f.csv', 'U1\nU2\nU3\nU4\nU5\n"U6\nU7\nU8\n');
    expect(result.imports[0]).toMatchObject({ status: 'failed', outcome: 'failed' });
    expect(record.status).toBe('failed');
    expect(record.error).toMatchObject({ reason: 'malformedCsv', retryable: false, line: 6 });
    expect(record.error!.message).toMatch(/line 6 is never closed/);
    // The first batch (U1–U4) was complete and is committed; U5 sat in the unfinished batch.
    expect(record.count).toEqual(counts({ in: 4, inserted: 4 }));
    // `bytes`: through U4's line break (4 × 3 bytes), where the committed rows end.
    expect(record.progress).toEqual({ rows: 4, lines: 4, batches: 1, bytes: 12 });
    expect(await codesOf('quote')).toEqual(['U1', 'U2', 'U3', 'U4']);
  });

  it('a zero-byte file', async () => {
    const { record } = await importFile('codes/empty/tm/f.csv', '');
    expect(record).toMatchObject({ status: 'failed', size: 0, count: counts({}) });
    expect(record.error).toMatchObject({
      reason: 'emptyFile',
      message: 'The file is empty',
      retryable: false,
    });
  });

  it('a header-only file succeeds with nothing imported', async () => {
    const { record } = await importFile('codes/header-only/tm/f.csv', 'code\r\n');
    expect(record).toMatchObject({
      status: 'succeeded',
      count: counts({}),
      progress: { rows: 1, lines: 1, batches: 1 },
    });
  });

  it('random binary bytes', async () => {
    const bytes = new Uint8Array(100_000);
    let state = 7;
    for (let i = 0; i < bytes.length; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      bytes[i] = state >>> 24;
    }
    const { record } = await importFile('codes/binary/tm/f.csv', bytes);
    expect(record.status).toBe('failed');
    expect(record.error).toMatchObject({ reason: 'invalidEncoding', retryable: false });
    expect(await codesOf('binary')).toEqual([]);
  });

  it('a file that is not UTF-8', async () => {
    const { record } = await importFile('codes/latin1/tm/f.csv', Buffer.from('N1\nN2\ncaf\xe9\n', 'latin1'));
    expect(record.error).toEqual({
      reason: 'invalidEncoding',
      message: 'The file is not valid UTF-8 (byte 9, line 3)',
      retryable: false,
      line: 3,
      at: expect.any(Date),
    });
    expect(await codesOf('latin1')).toEqual([]);
  });

  it.each([
    ['too few segments', 'codes/short/f.csv', 'short'],
    ['too many segments', 'codes/deep/tm/sub/f.csv', 'deep'],
    ['a .. segment', 'codes/../tm/f.csv', undefined],
    ['another prefix', 'uploads/other/tm/f.csv', undefined],
  ])('a key outside codes/<campaignId>/<type>/<name>: %s', async (_, key, campaignId) => {
    const { result, record } = await importFile(key, 'X1\n');
    expect(result.imports[0]).toMatchObject({ status: 'failed', outcome: 'failed', key });
    expect(record).toMatchObject({ status: 'failed', key, count: counts({}) });
    expect(record.campaignId).toBe(campaignId);
    expect(record.error).toMatchObject({ reason: 'invalidFileKey', retryable: false });
  });

  it('an unknown type folder', async () => {
    const { record } = await importFile('codes/typo/vip/f.csv', 'X1\n');
    expect(record).toMatchObject({ status: 'failed', campaignId: 'typo', count: counts({}) });
    expect(record.type).toBeUndefined();
    expect(record.error).toMatchObject({ reason: 'invalidType', retryable: false });
    expect(await codesOf('typo')).toEqual([]);
  });

  it('a missing object (deleted before the importer ran)', async () => {
    const key = 'codes/gone/tm/f.csv';
    await s3.put(key, 'G1\n');
    const event = await objectCreatedEvent(s3, key);
    // On a versioned bucket a plain delete only hides the object: its version must go too.
    const versionId = event.Records[0]!.s3.object.versionId;
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key, VersionId: versionId }));
    const result = await runAllowingFailure(event);
    expect(result.imports[0]).toMatchObject({ status: 'failed', outcome: 'failed' });
    const record = await findImport(result.imports[0]!.importId);
    expect(record?.error).toMatchObject({ reason: 'fileNotFound', retryable: false });
    const never = await runAllowingFailure(eventForMissingObject(s3, 'codes/never/tm/f.csv'));
    expect(never.imports[0]).toMatchObject({ status: 'failed', outcome: 'failed' });
  });

  it('leaves the service healthy', async () => {
    expect(await checkHealth()).toEqual({ status: 'ok', checks: { mongo: true } });
    const { record } = await importFile('codes/after-failures/tm/f.csv', 'H1\n');
    expect(record.status).toBe('succeeded');
  });
});

describe('keys', () => {
  it.each([
    ['spaces', 'codes/keys/tm/my codes 2024.csv'],
    ['a plus sign', 'codes/keys/tm/a+b.csv'],
    ['unicode', 'codes/keys/tm/été 🎟.csv'],
    ['parentheses', 'codes/keys/tm/list (final).csv'],
  ])('decodes keys with %s as S3 encodes them in events', async (_, key) => {
    const { event, result, record } = await importFile(key, 'K1\n');
    expect(event.Records[0]!.s3.object.key).toBe(encodeS3EventKey(key));
    expect(result.imports[0]).toMatchObject({ status: 'succeeded', key });
    expect(record.key).toBe(key);
    expect(record._id).toBe(
      importIdOf({
        bucket: s3.bucket,
        key,
        versionId: event.Records[0]!.s3.object.versionId,
        eTag: record.eTag,
      }),
    );
  });

  it('imports every record of an event and ignores other kinds of events', async () => {
    await s3.put('codes/multi/tm/a.csv', 'MA\n');
    await s3.put('codes/multi/external/b.csv', 'MB\n');
    const first = await objectCreatedEvent(s3, 'codes/multi/tm/a.csv');
    const second = await objectCreatedEvent(s3, 'codes/multi/external/b.csv');
    const removed = { ...second.Records[0]!, eventName: 'ObjectRemoved:Delete' };
    const result = await run({ Records: [first.Records[0], removed, second.Records[0]] });
    expect(result.imports.map((i) => [i.key, i.status])).toEqual([
      ['codes/multi/tm/a.csv', 'succeeded'],
      ['codes/multi/external/b.csv', 'succeeded'],
    ]);
    expect(await run({ Service: 'Amazon S3', Event: 's3:TestEvent' })).toEqual({ imports: [] });
    await expect(run({ something: 'else' })).rejects.toThrow(
      /neither an S3 notification nor an import request/,
    );
  });
});

describe('deliveries', () => {
  it('does nothing for the same event delivered twice in a row', async () => {
    const { event, record } = await importFile(
      'codes/twice/tm/f.csv',
      csvOf(['T1', 'T2', 'T3', 'T4', 'T5', 'T6']),
    );
    const pool = await snapshot('twice');
    const again = await run(event);
    expect(again.imports[0]).toMatchObject({
      importId: record._id,
      status: 'succeeded',
      outcome: 'alreadyFinished',
    });
    expect(await snapshot('twice')).toEqual(pool);
    expect(await findImport(record._id)).toEqual(record);
  });

  it('stops between batches when its time runs out; the retry takes the record over at once and finishes it exactly', async () => {
    const key = 'codes/out-of-time/tm/f.csv';
    const rows = Array.from({ length: 10 }, (_, i) => `OT${i}`);
    await s3.put(key, csvOf(rows));
    const event = await objectCreatedEvent(s3, key);
    // Time for a batch or two, then none left: what a 15-minute import meets near its timeout on
    // Lambda, and what the local runtime does on Ctrl-C. (middy reads the clock once at the start.)
    let reads = 0;
    const context = {
      ...lambdaContext('importS3'),
      getRemainingTimeInMillis: () => (++reads <= 3 ? 60_000 : 0),
    };
    await expect(handler(event, context)).rejects.toThrow(/time running out/);
    const { eTag, versionId } = event.Records[0]!.s3.object;
    const importId = importIdOf({ bucket: s3.bucket, key, eTag, versionId });
    const stopped = await findImport(importId);
    expect(stopped).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { reason: 'internal', retryable: true },
    });
    expect(stopped!.progress.batches).toBeGreaterThan(0);
    expect(stopped!.progress.batches).toBeLessThan(3);
    expect(stopped!.count.in).toBe(stopped!.progress.batches * BATCH_SIZE);

    // The retry does not wait out a lease: it takes the record over and resumes after the last batch.
    const resumed = await run(event);
    expect(resumed.imports[0]).toMatchObject({ importId, status: 'succeeded', outcome: 'imported' });
    const record = await findImport(importId);
    expect(record).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      count: counts({ in: 10, inserted: 10 }),
    });
    expect((await codesOf('out-of-time')).sort()).toEqual([...rows].sort());
  });

  it('runs one import for the same event delivered twice at the same time', async () => {
    const key = 'codes/concurrent/tm/f.csv';
    await s3.put(key, csvOf(Array.from({ length: 40 }, (_, i) => `C${i}`)));
    const event = await objectCreatedEvent(s3, key);
    const [a, b] = await Promise.all([run(event), run(event)]);
    const outcomes = [a.imports[0]!.outcome, b.imports[0]!.outcome].sort();
    expect(outcomes).toEqual(['imported', 'inProgress']);
    const record = await findImport(a.imports[0]!.importId);
    expect(record).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      count: counts({ in: 40, inserted: 40 }),
    });
    const pool = await snapshot('concurrent');
    expect(pool).toHaveLength(40);
    const third = await run(event);
    expect(third.imports[0]!.outcome).toBe('alreadyFinished');
    expect(await snapshot('concurrent')).toEqual(pool);
  });

  it('re-importing the same codes under another key updates them all and keeps reservations and assignments', async () => {
    const codes = Array.from({ length: 10 }, (_, i) => `RI${i}`);
    const now = new Date();
    await seedCodes('reimport', 'tm', codes.slice(0, 3));
    await seedCodes('reimport', 'tm', codes.slice(3, 6), {
      reserved: new Date(now.getTime() - HOUR),
      reserveId: 'res-1',
    });
    await seedCodes('reimport', 'tm', codes.slice(6, 10), { assigned: now });
    const before = await snapshot('reimport');
    const { record } = await importFile('codes/reimport/tm/again.csv', csvOf(codes));
    expect(record.count).toEqual(counts({ in: 10, inserted: 0, updated: 10 }));
    const after = await snapshot('reimport');
    expect(after).toHaveLength(10);
    const strip = (doc: CodeDocument) => ({ ...doc, date: { ...doc.date, saved: undefined } });
    expect(after.map(strip)).toEqual(before.map(strip));
    for (const [i, doc] of after.entries()) {
      expect(doc.date.saved.getTime()).toBeGreaterThan(before[i]!.date.saved.getTime() - 1);
    }
    const collection = await codesCollection();
    expect(await collection.countDocuments({ '_id.campaign_id': 'reimport', reserveId: 'res-1' })).toBe(3);
    expect(
      await collection.countDocuments({ '_id.campaign_id': 'reimport', 'date.assigned': { $exists: true } }),
    ).toBe(4);
  });
});

describe('observability', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('emits the import metrics and one log line per committed batch with the running counts', async () => {
    const added = vi.spyOn(metrics, 'addMetric');
    const info = vi.spyOn(logger, 'info');
    // Batches of 4 accepted rows: [O1 O2 O3 O4] [O5 O1] + one rejected row.
    await importFile('codes/observed/tm/f.csv', `${csvOf(['O1', 'O2', 'O3', 'O4', 'O5', 'O1'])}BAD\u0001\n`);
    const emitted = Object.fromEntries(added.mock.calls.map(([name, unit, value]) => [name, [unit, value]]));
    expect(emitted).toEqual({
      CodesImported: ['Count', 6],
      CodesInserted: ['Count', 5],
      CodesUpdated: ['Count', 1],
      CodesRejected: ['Count', 1],
      ImportDuration: ['Milliseconds', expect.any(Number)],
      // Its Import Succeeded event (contract §6b), taken by the test run's local EventBridge.
      EventsPublished: ['Count', 1],
    });
    const batches = info.mock.calls.filter(([message]) => message === 'Import batch committed');
    expect(batches.map(([, extra]) => extra as { batch: number; rows: number; count: unknown })).toEqual([
      expect.objectContaining({
        batch: 1,
        rows: 4,
        codes: 4,
        count: { in: 4, inserted: 4, updated: 0, duplicates: 0, rejected: 0, skipped: 0 },
      }),
      expect.objectContaining({
        batch: 2,
        rows: 7,
        codes: 2,
        count: { in: 6, inserted: 5, updated: 1, duplicates: 0, rejected: 1, skipped: 0 },
      }),
    ]);
  });

  it('counts a failed import', async () => {
    const added = vi.spyOn(metrics, 'addMetric');
    await importFile('codes/observed-failure/tm/f.csv', '');
    expect(added.mock.calls.filter(([name]) => name === 'ImportFailed')).toEqual([
      ['ImportFailed', 'Count', 1],
    ]);
  });
});
