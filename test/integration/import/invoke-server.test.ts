import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { functionNameOf, startLambdaInvokeServer } from '../../../infra/local/lambda/invoke-server.ts';

// The local Lambda Invoke endpoint, driven by the real SDK client.
const calls: { name: string; event: unknown; requestId: string; remaining: number }[] = [];
const errors: { name: string; attempt: number; async: boolean }[] = [];
let flakyFailures = 0;
const server = await startLambdaInvokeServer({
  functions: {
    echo: async (event: unknown, context: Context) => {
      calls.push({
        name: context.functionName,
        event,
        requestId: context.awsRequestId,
        remaining: context.getRemainingTimeInMillis(),
      });
      return { got: event };
    },
    boom: async () => {
      throw new TypeError('it broke');
    },
    flaky: async (event: unknown, context: Context) => {
      calls.push({ name: context.functionName, event, requestId: context.awsRequestId, remaining: 0 });
      if (flakyFailures-- > 0) throw new Error('not yet');
    },
  },
  onError: (name, _, info) => errors.push({ name, ...info }),
  retryDelaysMs: [20, 20],
});
const lambda = new LambdaClient({
  endpoint: server.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
afterAll(async () => {
  lambda.destroy();
  await server.stop();
});

const payloadOf = (bytes: Uint8Array | undefined) => JSON.parse(Buffer.from(bytes ?? []).toString('utf8'));

describe('local Lambda Invoke endpoint', () => {
  it('runs a RequestResponse invocation and answers with its result', async () => {
    calls.length = 0;
    const reply = await lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{"a":1}') }),
    );
    expect(reply.StatusCode).toBe(200);
    expect(reply.FunctionError).toBeUndefined();
    expect(payloadOf(reply.Payload)).toEqual({ got: { a: 1 } });
    expect(calls).toEqual([
      { name: 'echo', event: { a: 1 }, requestId: expect.any(String), remaining: expect.any(Number) },
    ]);
    expect(calls[0]!.remaining).toBeGreaterThan(14 * 60_000);
  });

  it('reports a thrown error as an unhandled function error', async () => {
    const reply = await lambda.send(new InvokeCommand({ FunctionName: 'boom', Payload: Buffer.from('{}') }));
    expect(reply.StatusCode).toBe(200);
    expect(reply.FunctionError).toBe('Unhandled');
    expect(payloadOf(reply.Payload)).toMatchObject({ errorType: 'TypeError', errorMessage: 'it broke' });
  });

  it('accepts function ARNs and refuses unknown functions', async () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:echo:live';
    const reply = await lambda.send(new InvokeCommand({ FunctionName: arn, Payload: Buffer.from('1') }));
    expect(payloadOf(reply.Payload)).toEqual({ got: 1 });
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(functionNameOf('123456789012:function:my-fn')).toBe('my-fn');
    expect(functionNameOf('my-fn:3')).toBe('my-fn');
  });

  it('answers an Event invocation with 202 at once and runs it in the background, retrying twice', async () => {
    calls.length = 0;
    errors.length = 0;
    flakyFailures = 2;
    const reply = await lambda.send(
      new InvokeCommand({ FunctionName: 'flaky', InvocationType: 'Event', Payload: Buffer.from('{"n":1}') }),
    );
    expect(reply.StatusCode).toBe(202);
    await server.idle();
    expect(calls.map((call) => call.event)).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
    // Retries of one asynchronous invocation keep its request id, as in Lambda.
    expect(new Set(calls.map((call) => call.requestId)).size).toBe(1);
    expect(errors).toEqual([
      { name: 'flaky', attempt: 1, async: true },
      { name: 'flaky', attempt: 2, async: true },
    ]);
  });

  it('gives up after the retries', async () => {
    calls.length = 0;
    errors.length = 0;
    flakyFailures = 5;
    await lambda.send(
      new InvokeCommand({ FunctionName: 'flaky', InvocationType: 'Event', Payload: Buffer.from('{}') }),
    );
    await server.idle();
    expect(calls).toHaveLength(3);
    expect(errors.map((e) => e.attempt)).toEqual([1, 2, 3]);
  });

  it('answers a DryRun without running anything', async () => {
    calls.length = 0;
    const reply = await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
    expect(reply.StatusCode).toBe(204);
    expect(calls).toEqual([]);
  });
});
