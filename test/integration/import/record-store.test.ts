import { afterAll, describe, expect, it } from 'vitest';
import type { ImportError, ImportObject } from '../../../lib/import/model.ts';
import {
  claimImport,
  commitBatch,
  failImport,
  findImport,
  findImportPage,
  finishImport,
  type ImportMeta,
  importsCollection,
  LeaseLostError,
  markOutcomePublished,
  notePendingBatch,
  renewLease,
} from '../../../lib/import/record-store.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { subsegmentsOf } from '../../support/traced.ts';

/**
 * The import record's claim and lease rules, straight against the embedded MongoDB (issue 17:
 * mutation testing found the lease boundary, takeovers and optional fields unchecked).
 */
const LEASE = 60_000;
const t0 = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const meta: ImportMeta = { campaignId: 'c1', type: 'tm', source: 's3', batchSize: 100 };
const object = (key: string): ImportObject => ({ bucket: 'b', key, versionId: 'v1', eTag: 'e1', size: 12 });
const counts = { in: 1, inserted: 1, updated: 0, duplicates: 0, rejected: 0, skipped: 0 };

afterAll(() => closeMongoClient());

describe('claimImport', () => {
  it('stores a new record with exactly the fields it was given', async () => {
    const claim = await claimImport('id-new', object('k1'), meta, LEASE, t0);
    expect(claim).toMatchObject({ kind: 'run', resumed: false });
    expect(await findImport('id-new')).toEqual({
      _id: 'id-new',
      campaignId: 'c1',
      type: 'tm',
      bucket: 'b',
      key: 'k1',
      versionId: 'v1',
      eTag: 'e1',
      size: 12,
      source: 's3',
      status: 'running',
      count: { in: 0, inserted: 0, updated: 0, duplicates: 0, rejected: 0, skipped: 0 },
      progress: { rows: 0, lines: 0, batches: 0 },
      rejects: [],
      batchSize: 100,
      attempts: 1,
      attemptId: claim.doc.attemptId,
      startedAt: t0,
      updatedAt: t0,
    });
    await claimImport(
      'id-bare',
      { bucket: 'b', key: 'k2' },
      { ...meta, campaignId: undefined, type: undefined },
      LEASE,
      t0,
    );
    const bare = await (await importsCollection()).findOne({ _id: 'id-bare' });
    for (const field of ['campaignId', 'type', 'versionId', 'eTag', 'size'])
      expect(bare).not.toHaveProperty(field);
  });

  it('leaves a live lease alone and takes over one silent for the whole lease, resuming it', async () => {
    const first = await claimImport('id-lease', object('k3'), meta, LEASE, t0);
    expect((await claimImport('id-lease', object('k3'), meta, LEASE, at(LEASE - 1))).kind).toBe('busy');
    const taken = await claimImport('id-lease', object('k3'), meta, LEASE, at(LEASE));
    expect(taken).toMatchObject({ kind: 'run', resumed: true });
    expect(taken.doc).toMatchObject({ status: 'running', attempts: 2, updatedAt: at(LEASE) });
    expect(taken.doc.attemptId).not.toBe(first.doc.attemptId);
    // The stalled attempt lost its lease: none of its writes land.
    await expect(renewLease(first.doc, at(LEASE + 1))).rejects.toMatchObject({ name: 'LeaseLostError' });
    await expect(renewLease(first.doc, at(LEASE + 1))).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      commitBatch(first.doc, { count: counts, progress: { rows: 1, lines: 1, batches: 1 } }),
    ).rejects.toThrow('Import id-lease was taken over by another delivery');
    await renewLease(taken.doc, at(LEASE + 2));
    expect((await findImport('id-lease'))?.updatedAt).toEqual(at(LEASE + 2));
  });

  it('lets exactly one of two deliveries take over a stalled import', async () => {
    await claimImport('id-race', object('k4'), meta, LEASE, t0);
    // Warm connections first, so both deliveries read the stalled record before either writes.
    await Promise.all(Array.from({ length: 4 }, (_, i) => findImport(`warm-${i}`)));
    const claims = await Promise.all([
      claimImport('id-race', object('k4'), meta, LEASE, at(2 * LEASE)),
      claimImport('id-race', object('k4'), meta, LEASE, at(2 * LEASE)),
    ]);
    expect(claims.map((claim) => claim.kind).sort()).toEqual(['busy', 'run']);
    expect((await findImport('id-race'))?.attempts).toBe(2);
  });

  it('finds a succeeded or permanently failed import finished, and retries a transient failure at once', async () => {
    const done = await claimImport('id-done', object('k5'), meta, LEASE, t0);
    await finishImport(done.doc, at(1500));
    expect(await findImport('id-done')).toMatchObject({
      status: 'succeeded',
      finishedAt: at(1500),
      durationMs: 1500,
    });
    expect((await claimImport('id-done', object('k5'), meta, LEASE, at(2000))).kind).toBe('finished');

    const error = (retryable: boolean): ImportError => ({
      reason: retryable ? 'internal' : 'emptyFile',
      message: 'm',
      retryable,
      at: at(10),
    });
    const bad = await claimImport('id-bad', object('k6'), meta, LEASE, t0);
    await failImport(bad.doc, error(false), at(10));
    // An end: its event is yet to be published (contract §6b).
    expect(await findImport('id-bad')).toMatchObject({ status: 'failed', outcomePublished: false });
    expect((await claimImport('id-bad', object('k6'), meta, LEASE, at(20))).kind).toBe('finished');

    const flaky = await claimImport('id-flaky', object('k7'), meta, LEASE, t0);
    await failImport(flaky.doc, error(true), at(10));
    expect(await findImport('id-flaky')).toMatchObject({
      status: 'failed',
      durationMs: 10,
      finishedAt: at(10),
    });
    // Not an end: a retry follows, so there is no event to publish.
    expect(await findImport('id-flaky')).not.toHaveProperty('outcomePublished');
    const retried = await claimImport('id-flaky', object('k7'), meta, LEASE, at(20));
    expect(retried).toMatchObject({ kind: 'run', resumed: true });
    for (const field of ['error', 'finishedAt', 'durationMs']) expect(retried.doc).not.toHaveProperty(field);
  });
});

describe('batch commits', () => {
  it('note the pending batch, then record counts and progress together, rejects only when given', async () => {
    const claim = await claimImport('id-commit', object('k8'), meta, LEASE, t0);
    await notePendingBatch(claim.doc, { batch: 1, fromRow: 0, distinct: 1, existing: 0 }, at(1));
    expect(await findImport('id-commit')).toMatchObject({
      pending: { batch: 1, fromRow: 0, distinct: 1, existing: 0 },
      updatedAt: at(1),
    });
    const rejects = [{ line: 2, reason: 'tooLong' as const, value: 'x' }];
    await commitBatch(
      claim.doc,
      { count: counts, progress: { rows: 2, lines: 2, batches: 1 }, rejects },
      at(2),
    );
    await commitBatch(claim.doc, { count: counts, progress: { rows: 3, lines: 3, batches: 2 } }, at(3));
    const doc = await findImport('id-commit');
    expect(doc).toMatchObject({
      count: counts,
      progress: { rows: 3, lines: 3, batches: 2 },
      rejects,
      updatedAt: at(3),
    });
    expect(doc).not.toHaveProperty('pending');
  });
});

describe('tracing', () => {
  it('traces every database call of the import record under its own name', async () => {
    let claim = await claimImport('id-traced', object('k9'), meta, LEASE, t0);
    const error: ImportError = { reason: 'internal', message: 'm', retryable: true, at: t0 };
    const names = await subsegmentsOf(async () => {
      await renewLease(claim.doc, at(1));
      await notePendingBatch(claim.doc, { batch: 1, fromRow: 0, distinct: 1, existing: 0 }, at(2));
      await commitBatch(claim.doc, { count: counts, progress: { rows: 1, lines: 1, batches: 1 } }, at(3));
      await failImport(claim.doc, error, at(4));
      claim = await claimImport('id-traced', object('k9'), meta, LEASE, at(5));
      await finishImport(claim.doc, at(6));
      await markOutcomePublished('id-traced');
      await findImportPage('c1', undefined, undefined, 1);
    });
    expect(names).toEqual([
      'db.imports.renewLease',
      'db.imports.notePending',
      'db.imports.commitBatch',
      'db.imports.fail',
      'db.imports.claim',
      'db.imports.find',
      'db.imports.takeOver',
      'db.imports.finish',
      'db.imports.outcomePublished',
      'db.imports.list',
    ]);
  });
});
