import { DetailType, type ServiceEvent } from '../events/details.ts';
import { publishEvents } from '../events/publisher.ts';
import { logger } from '../observability.ts';
import type { ImportCounts, ImportDocument, ImportError } from './model.ts';
import { markOutcomePublished } from './record-store.ts';

/**
 * `Import Succeeded` / `Import Failed` (contract §6b), published when an import ends for good: it
 * succeeded, or it failed in a way no retry mends. A transient failure is not an end (the platform
 * retries and resumes the import), so it publishes nothing. The eventId is the import's id and
 * outcome: an import ends once, so every republish of its end carries the same id. Once EventBridge
 * took it, the record says so; until then, a redelivery of the finished import publishes it again.
 */
export async function publishImportEnded(
  doc: ImportDocument,
  count: ImportCounts,
  error?: ImportError,
): Promise<void> {
  const at = new Date().toISOString();
  const common = { importId: doc._id, bucket: doc.bucket, key: doc.key, count: { ...count }, at };
  let event: ServiceEvent;
  if (error) {
    event = {
      detailType: DetailType.ImportFailed,
      detail: {
        ...common,
        eventId: `${doc._id}-failed`,
        ...(doc.campaignId === undefined ? {} : { campaignId: doc.campaignId }),
        ...(doc.type === undefined ? {} : { type: doc.type }),
        error: {
          reason: error.reason,
          message: error.message,
          ...(error.line === undefined ? {} : { line: error.line }),
        },
      },
    };
  } else {
    event = {
      detailType: DetailType.ImportSucceeded,
      detail: { ...common, eventId: `${doc._id}-succeeded`, campaignId: doc.campaignId!, type: doc.type! },
    };
  }
  // Never throws: a rejected event is logged at ERROR and counted by the publisher.
  const [published] = await publishEvents([event]);
  if (!published) return;
  await markOutcomePublished(doc._id).catch((error: unknown) =>
    // The event is out; at worst a redelivery publishes it once more, with the same eventId.
    logger.warn('Could not note the import event as published', { importId: doc._id, error }),
  );
}
