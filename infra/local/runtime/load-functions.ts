import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LambdaHandler, LocalFunction } from './local-function.ts';

export interface FunctionEntry {
  /** The entry file, relative to `root` (`functions/count.ts`). */
  entry: string;
}

/**
 * Imports every function's entry file and takes its `handler` export: one module instance per
 * entry, loaded once, as a Lambda container would. A function that fails to load fails the whole
 * start, naming the function — a local stack with a missing route is worse than none.
 */
export async function loadFunctions<Id extends string>(
  entries: Readonly<Record<Id, FunctionEntry>>,
  root: string,
  timeoutMsOf: (id: Id) => number,
): Promise<Record<Id, LocalFunction>> {
  const loaded: Partial<Record<Id, LocalFunction>> = {};
  for (const [id, spec] of Object.entries(entries) as [Id, FunctionEntry][]) {
    let module: { handler?: unknown };
    try {
      module = await import(pathToFileURL(join(root, spec.entry)).href);
    } catch (error) {
      throw new Error(`Function ${id} (${spec.entry}) failed to load: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (typeof module.handler !== 'function') {
      throw new Error(`Function ${id} (${spec.entry}) does not export a handler function`);
    }
    loaded[id] = { name: id, handler: module.handler as LambdaHandler, timeoutMs: timeoutMsOf(id) };
  }
  return loaded as Record<Id, LocalFunction>;
}
