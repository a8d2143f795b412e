import { handOff } from '../handoff.ts';
import { logger } from '../observability.ts';
import type { JobDocument } from './model.ts';
import type { JobStore } from './record-store.ts';

/**
 * Routes 12 and 14: saves the new job's record (status `running`), then hands it to its worker
 * function with an asynchronous Invoke. When the hand-off fails nothing will ever run the job, so
 * its record says so (failed, not retryable) before the request fails with a 500.
 */
export async function startJob<T extends JobDocument>(
  store: JobStore<T>,
  doc: T,
  worker: { functionName: string; kind: string },
): Promise<void> {
  await store.create(doc);
  try {
    await handOff(worker.functionName, { kind: worker.kind, jobId: doc._id });
  } catch (error) {
    logger.error('Could not hand the job to its function', {
      jobId: doc._id,
      functionName: worker.functionName,
      error,
    });
    await store
      .failUnclaimed(doc, {
        reason: 'handOff',
        message: 'The job could not be handed to its function; start a new one',
        retryable: false,
        at: new Date(),
      })
      .catch((markError: unknown) =>
        logger.error('Could not mark the job failed', { jobId: doc._id, error: markError }),
      );
    throw error;
  }
  logger.info('Job handed to its function', {
    jobId: doc._id,
    kind: worker.kind,
    campaignId: doc.campaignId,
    type: doc.type,
  });
}
