import { lazy } from './lazy.ts';
import { tracer } from './observability.ts';

/**
 * Hands work to another function with an asynchronous Lambda Invoke (`Event`): the caller answers at
 * once, the worker runs on up to its own timeout, and Lambda retries a failed run twice. Route 1
 * hands imports to the importer this way, routes 12 and 14 exports and purges to their workers. A
 * function is frozen once it has answered, so work started in the caller could not outlive it.
 *
 * The SDK is loaded on first use, not at cold start (test/bench/cold-start.bench.ts), and the
 * client is captured by the tracer: the hand-off is a subsegment of the caller's X-Ray trace.
 */
const lambdaSdk = lazy(() => import('@aws-sdk/client-lambda'));
const lambdaClient = lazy(async () => tracer.captureAWSv3Client(new (await lambdaSdk()).LambdaClient({})));

export async function handOff(functionName: string, payload: unknown): Promise<void> {
  const { InvokeCommand } = await lambdaSdk();
  await (await lambdaClient()).send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(payload)),
    }),
  );
}
