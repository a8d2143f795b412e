import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { eventsConfig } from '../config.ts';
import { lazy } from '../lazy.ts';
import { logger, MetricName, MetricUnit, metrics } from '../observability.ts';
import { EVENT_SOURCE, type ServiceEvent } from './details.ts';

/**
 * Publishing to the service's own EventBridge bus (contract §6b). The endpoint comes from the SDK's
 * standard variables (`AWS_ENDPOINT_URL_EVENTBRIDGE` locally), so no code path differs between AWS
 * and the local stand-in.
 */
export const eventBridgeClient = lazy(() => new EventBridgeClient({}));

/** PutEvents takes at most 10 entries per call. */
const ENTRIES_PER_CALL = 10;
/**
 * Pauses before our retries of entries EventBridge rejected (or of a call that failed after the
 * SDK's own retries): per-entry failures such as `InternalFailure` or `ThrottlingException` are
 * answered with 200, so the SDK does not retry them itself.
 */
const RETRY_DELAYS_MS = [100, 500];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Rejection {
  code: string;
  message: string;
  /** Worth another try: a failed call, or an entry EventBridge calls retryable. */
  retry: boolean;
}

/** The per-entry errors EventBridge documents as retryable; the others (a malformed entry, no access) never pass. */
const RETRYABLE_ENTRY_ERRORS = new Set(['InternalFailure', 'ThrottlingException']);

/**
 * Publishes the events, retrying what EventBridge rejects. Never throws: an event still rejected
 * after the retries is logged at ERROR with its id and counted (`EventsFailed`, alarmed); the
 * answer says, per event, whether it was published, so a caller holding an outbox can keep it.
 */
export async function publishEvents(events: readonly ServiceEvent[]): Promise<boolean[]> {
  const published: boolean[] = [];
  for (let start = 0; start < events.length; start += ENTRIES_PER_CALL) {
    published.push(...(await publishChunk(events.slice(start, start + ENTRIES_PER_CALL))));
  }
  return published;
}

async function publishChunk(events: readonly ServiceEvent[]): Promise<boolean[]> {
  const rejected = new Map<number, Rejection>(
    events.map((_, i) => [i, { code: '', message: '', retry: true }]),
  );
  let busName: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const pending = [...rejected].filter(([, why]) => why.retry).map(([i]) => i);
    if (pending.length === 0) break;
    if (attempt > 0) {
      const delay = RETRY_DELAYS_MS[attempt - 1];
      if (delay === undefined) break;
      await sleep(delay);
    }
    try {
      // Inside the try: even a configuration error must not escape into the caller's work.
      busName = eventsConfig().busName;
      const bus = busName;
      const answer = await eventBridgeClient().send(
        new PutEventsCommand({ Entries: pending.map((i) => toEntry(events[i]!, bus)) }),
      );
      pending.forEach((i, n) => {
        const result = answer.Entries?.[n];
        if (result?.EventId && !result.ErrorCode) rejected.delete(i);
        else {
          const code = result?.ErrorCode ?? 'NoResult';
          rejected.set(i, {
            code,
            message: result?.ErrorMessage ?? '',
            retry: !result || RETRYABLE_ENTRY_ERRORS.has(code),
          });
        }
      });
    } catch (error) {
      const message = (error as Error).message;
      for (const i of pending) rejected.set(i, { code: (error as Error).name, message, retry: true });
    }
  }
  const ok = events.map((_, i) => !rejected.has(i));
  const publishedCount = ok.filter(Boolean).length;
  if (publishedCount > 0) metrics.addMetric(MetricName.EventsPublished, MetricUnit.Count, publishedCount);
  if (rejected.size > 0) {
    metrics.addMetric(MetricName.EventsFailed, MetricUnit.Count, rejected.size);
    for (const [i, why] of rejected) {
      const event = events[i]!;
      logger.error('Event not published: EventBridge rejected it after retries', {
        detailType: event.detailType,
        eventId: event.detail.eventId,
        eventBus: busName,
        errorCode: why.code,
        errorMessage: why.message,
      });
    }
  }
  return ok;
}

function toEntry(event: ServiceEvent, busName: string): PutEventsRequestEntry {
  return {
    EventBusName: busName,
    Source: EVENT_SOURCE,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    Time: new Date(event.detail.at),
  };
}
