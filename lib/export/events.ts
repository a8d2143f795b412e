import { type ExportOutcome, runExport } from './exporter.ts';
import { exportInvocationSchema } from './model.ts';

/** The export function's event: route 12's hand-off (asynchronous Invoke). */
export async function exportEvent(event: unknown): Promise<ExportOutcome> {
  const request = exportInvocationSchema.safeParse(event);
  // A wiring mistake, not a job problem: fail loudly (Lambda retries, then drops or parks it).
  if (!request.success)
    throw new Error('The export function received an event that is not an export request');
  return runExport(request.data.jobId);
}
