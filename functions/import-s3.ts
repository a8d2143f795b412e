import { type ImportEventResult, importEvent } from '../lib/import/events.ts';
import { eventHandler } from '../lib/lambda-handler.ts';

/**
 * The importer: S3 ObjectCreated notifications on `codes/` and route 1's asynchronous hand-off.
 * Any failure fails the invocation once the import record says why: a transient one (database,
 * S3) is resumed by Lambda's asynchronous retry; for a file that cannot be imported the retry finds
 * the final record and does nothing. An import whose time runs out stops between batches, and the
 * retry resumes it.
 */
export const handler = eventHandler<unknown, ImportEventResult>((event, context) =>
  importEvent(event, () => context.getRemainingTimeInMillis()),
);
