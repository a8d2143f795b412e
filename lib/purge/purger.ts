import { jobConfig } from '../config.ts';
import { countExisting } from '../import/code-writes.ts';
import { describeJobFailure } from '../jobs/failure.ts';
import { JobLeaseLostError } from '../jobs/record-store.ts';
import { logger, MetricName, MetricUnit, metrics } from '../observability.ts';
import { type PurgeDocument, purgesStore } from './model.ts';
import { deletePurgeable, findPurgeable, purgeableFilter } from './store.ts';

/**
 * The purge function's work (contract §6a): deletes a pool's codes of the listed statuses in
 * batches of PURGE_BATCH_SIZE. Per batch: find the codes the purge may delete, note them in the
 * record (with the count so far — one write), then delete those of them that still qualify (the
 * delete re-checks the whole condition, see purgeableFilter). Memory holds one batch of codes.
 *
 * A failure marks the record failed (retryable) and fails the invocation; Lambda's retry resumes
 * the purge: whatever the crashed attempt deleted is gone, the rest is found again. The noted batch
 * keeps the count exact across a crash (see PurgeDocument.pending), so a crashed or repeated purge
 * completes without error and counts each deleted code once.
 */
export interface PurgeOutcome {
  purgeId: string;
  outcome: 'purged' | 'alreadyFinished' | 'inProgress' | 'missing' | 'superseded';
  deleted?: number;
}

export async function runPurge(purgeId: string): Promise<PurgeOutcome> {
  const config = jobConfig();
  const claim = await purgesStore.claim(purgeId, config.leaseMs);
  if (claim.kind === 'missing') {
    logger.error('Purge invoked for a record that does not exist', { purgeId });
    return { purgeId, outcome: 'missing' };
  }
  if (claim.kind !== 'run') {
    logger.info('Purge already handled by another delivery', { purgeId, found: claim.kind });
    return { purgeId, outcome: claim.kind === 'finished' ? 'alreadyFinished' : 'inProgress' };
  }
  const doc = claim.doc;
  const attempt = new PurgeAttempt(doc, config.purgeBatchSize);
  logger.info(claim.resumed ? 'Purge resumed' : 'Purge started', {
    purgeId,
    campaignId: doc.campaignId,
    type: doc.type,
    statuses: doc.statuses,
    attempt: doc.attempts,
    deletedBefore: doc.count.deleted,
  });
  try {
    await attempt.run();
    await purgesStore.finish(
      doc,
      { count: { deleted: attempt.deleted }, progress: { batches: attempt.batches } },
      ['pending'],
    );
    logger.info('Purge succeeded', { purgeId, deleted: attempt.deleted, batches: attempt.batches });
    return { purgeId, outcome: 'purged', deleted: attempt.deleted };
  } catch (error) {
    if (error instanceof JobLeaseLostError) {
      logger.warn('Purge taken over by another delivery; this one stops', { purgeId, error });
      return { purgeId, outcome: 'superseded' };
    }
    logger.error('Purge interrupted; a retry resumes it', { purgeId, deleted: attempt.deleted, error });
    await purgesStore
      .fail(doc, {
        reason: 'internal',
        message: describeJobFailure(error, 'a retry resumes the purge'),
        retryable: true,
        at: new Date(),
      })
      .catch((markError: unknown) =>
        logger.error('Could not mark the purge failed', { purgeId, error: markError }),
      );
    throw error;
  } finally {
    metrics.addMetric(MetricName.CodesPurged, MetricUnit.Count, attempt.deleted - doc.count.deleted);
  }
}

/** One delivery's work on a claimed purge. */
class PurgeAttempt {
  deleted: number;
  batches: number;
  private readonly scope: { campaignId: string; type: PurgeDocument['type'] };

  constructor(
    private readonly doc: PurgeDocument,
    private readonly batchSize: number,
  ) {
    this.deleted = doc.count.deleted;
    this.batches = doc.progress.batches;
    this.scope = { campaignId: doc.campaignId, type: doc.type };
  }

  private filter(now: Date) {
    return purgeableFilter(this.scope, this.doc.statuses, this.doc.startedAt, now);
  }

  async run(): Promise<void> {
    const { doc } = this;
    if (doc.pending) await this.settleCrashedBatch(doc.pending.codes);
    for (;;) {
      const now = new Date();
      const filter = this.filter(now);
      const codes = await findPurgeable(filter, this.batchSize);
      if (codes.length === 0) return;
      await purgesStore.update(doc, {
        pending: { codes },
        count: { deleted: this.deleted },
        progress: { batches: this.batches },
      });
      this.deleted += await deletePurgeable(doc.campaignId, codes, filter);
      this.batches++;
      logger.debug('Purge batch deleted', { purgeId: doc._id, batch: this.batches, deleted: this.deleted });
    }
  }

  /** The batch a crashed attempt noted: what is gone was deleted by it; the rest is tried again. */
  private async settleCrashedBatch(codes: string[]): Promise<void> {
    const left = await countExisting(this.doc.campaignId, codes);
    this.deleted += codes.length - left;
    if (left > 0) this.deleted += await deletePurgeable(this.doc.campaignId, codes, this.filter(new Date()));
    this.batches++;
    await purgesStore.update(
      this.doc,
      { count: { deleted: this.deleted }, progress: { batches: this.batches } },
      ['pending'],
    );
  }
}
