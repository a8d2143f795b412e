import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { lazy } from './lazy.ts';

/**
 * Hands work to another function with an asynchronous Lambda Invoke (`Event`): the caller answers at
 * once, the worker runs on up to its own timeout, and Lambda retries a failed run twice. Route 1
 * hands imports to the importer this way, routes 12 and 14 exports and purges to their workers. A
 * function is frozen once it has answered, so work started in the caller could not outlive it.
 */
const lambdaClient = lazy(() => new LambdaClient({}));

export async function handOff(functionName: string, payload: unknown): Promise<void> {
  await lambdaClient().send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(payload)),
    }),
  );
}
