import { DetailType, type ServiceEvent } from '../events/details.ts';
import { publishEvents } from '../events/publisher.ts';
import type { ImportCounts, ImportDocument, ImportError } from './model.ts';

/**
 * `Import Succeeded` / `Import Failed` (contract §6b), published when an import ends for good: it
 * succeeded, or it failed in a way no retry mends. A transient failure is not an end (the platform
 * retries and resumes the import), so it publishes nothing. The eventId is the import's id and
 * outcome: an import ends once, so every republish of its end carries the same id.
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
  await publishEvents([event]);
}
