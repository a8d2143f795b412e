import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { lambdaContext, logStreamName } from './lambda-context.ts';

// biome-ignore lint/suspicious/noExplicitAny: a Lambda handler accepts whatever event its trigger sends.
export type LambdaHandler = (event: any, context: Context) => Promise<unknown>;

/** One function of the local stack: its handler plus the settings the Lambda runtime would apply. */
export interface LocalFunction {
  name: string;
  handler: LambdaHandler;
  timeoutMs: number;
  memoryMb?: number;
}

/** What Lambda reports when a function runs past its timeout. */
export class FunctionTimeoutError extends Error {
  override readonly name = 'FunctionTimeoutError';
  constructor(functionName: string, timeoutMs: number) {
    super(`${functionName}: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

/** Anything a gateway or endpoint can invoke: it has a (function) name. */
export interface Invocable {
  name: string;
}

export type Invoker<F extends Invocable = LocalFunction> = (
  fn: F,
  event: unknown,
  requestId?: string,
) => Promise<unknown>;

/**
 * Invokes functions the way the Lambda runtime does: a fresh context per invocation, one log stream
 * per function (a warm container), and a timeout after which the caller sees the invocation fail.
 * A timed-out handler cannot be frozen in-process, so it runs on in the background; its late
 * result is dropped.
 */
export function createInvoker(): Invoker {
  const streams = new Map<string, string>();
  return async (fn, event, requestId = randomUUID()) => {
    let stream = streams.get(fn.name);
    if (!stream) {
      stream = logStreamName();
      streams.set(fn.name, stream);
    }
    const context = lambdaContext({
      functionName: fn.name,
      timeoutMs: fn.timeoutMs,
      requestId,
      logStreamName: stream,
      ...(fn.memoryMb === undefined ? {} : { memoryMb: fn.memoryMb }),
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FunctionTimeoutError(fn.name, fn.timeoutMs)), fn.timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(() => fn.handler(event, context)), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };
}
