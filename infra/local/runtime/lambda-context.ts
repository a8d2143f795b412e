import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The account every local ARN names: no AWS account is involved locally. */
export const LOCAL_ACCOUNT_ID = '000000000000';

export const localRegion = (): string => process.env.AWS_REGION ?? 'us-east-1';

export interface ContextOptions {
  functionName: string;
  timeoutMs: number;
  memoryMb?: number;
  requestId?: string;
  /** Identifies the "container" (one per function per local stack), like a log stream does. */
  logStreamName?: string;
}

/** A new log stream name in the runtime's format: `2026/11/21/[$LATEST]<32 hex>`. */
export function logStreamName(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/**
 * A Lambda context as the Node.js runtime passes it: request id, function identity, and a
 * remaining-time clock that starts now and runs out at the function's timeout.
 */
export function lambdaContext(options: ContextOptions): Context {
  const deadline = Date.now() + options.timeoutMs;
  const { functionName } = options;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${localRegion()}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(options.memoryMb ?? 1024),
    awsRequestId: options.requestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: options.logStreamName ?? logStreamName(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // The deprecated callback-style completion methods: nothing here uses them.
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
