import { type ImportEventResult, importEvent } from '../lib/import/events.ts';
import { eventHandler } from '../lib/lambda-handler.ts';

/**
 * The importer: S3 ObjectCreated notifications on `codes/` and route 1's asynchronous hand-off.
 * Files that cannot be imported end as failed import records and the invocation succeeds; a
 * transient failure (database, S3) fails it, so Lambda's asynchronous retries resume the import.
 */
export const handler = eventHandler<unknown, ImportEventResult>((event) => importEvent(event));
