import { exportEvent } from '../lib/export/events.ts';
import type { ExportOutcome } from '../lib/export/exporter.ts';
import { eventHandler } from '../lib/lambda-handler.ts';

/**
 * The export function, started by route 12 with an asynchronous Invoke: streams the pool into
 * `exports/<campaignId>/<exportId>.csv`. A failure fails the invocation once the record says why;
 * Lambda's retry starts the export over.
 */
export const handler = eventHandler<unknown, ExportOutcome>((event) => exportEvent(event));
