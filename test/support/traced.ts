import { vi } from 'vitest';
import { tracer } from '../../lib/observability.ts';

/**
 * The X-Ray subsegment names `run` opens (tracing is off in tests, so the segment is a recorder
 * standing in for the Lambda's). Each database call is one subsegment named `db.<call>`: on-call
 * reads them in traces, so they are part of what the datastores promise.
 */
export async function subsegmentsOf(run: () => Promise<unknown>): Promise<string[]> {
  const names: string[] = [];
  const segment = {
    addNewSubsegment: (name: string) => {
      names.push(name);
      return { addError: () => undefined, close: () => undefined };
    },
  };
  const spy = vi.spyOn(tracer, 'getSegment').mockReturnValue(segment as never);
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return names;
}
