import { logger, tracer } from '../observability.ts';

/** A database call slower than this is logged as a warning (contract §6). */
export const SLOW_DB_CALL_MS = 500;

/**
 * Runs one database call inside its own X-Ray subsegment (`db.<name>`) and logs it as a warning
 * when it is slow. Every datastore function goes through here, so no call is left untraced.
 */
export async function dbCall<T>(name: string, call: () => Promise<T>): Promise<T> {
  // The subsegment is not made the current segment: database calls run concurrently (the three
  // counts, the importer's lease renewal beside a batch write), and nothing inside them traces.
  const subsegment = tracer.getSegment()?.addNewSubsegment(`db.${name}`);
  const started = performance.now();
  try {
    return await call();
  } catch (error) {
    subsegment?.addError(error as Error);
    throw error;
  } finally {
    const ms = Math.round(performance.now() - started);
    if (ms > SLOW_DB_CALL_MS) logger.warn('Slow database call', { dbCall: name, durationMs: ms });
    subsegment?.close();
  }
}
