// One function "container": a worker thread with its own module state (config, logger, Mongo
// client) that loads the function's deployment bundle once, then runs one invocation at a time,
// as the Lambda runtime does; its process.env is the function's own (the Worker's `env`).
// Plain JavaScript on purpose: a worker thread does not inherit the tsx loader, and registering it
// in every container cost seconds per cold start. The types it speaks are in container.ts.
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

// The local identity provider serves its JWKS over plain HTTP on 127.0.0.1, but aws-jwt-verify
// only speaks HTTPS: loopback http:// URLs go to node:http, everything else is untouched.
const httpsRequest = https.request;
https.request = (url, ...rest) =>
  typeof url === 'string' && url.startsWith('http://127.0.0.1:')
    ? http.request(url, ...rest)
    : httpsRequest(url, ...rest);
syncBuiltinESMExports();

// Powertools Metrics prints each flush as one EMF line (`{"_aws":…}`), which CloudWatch turns into
// metrics. Here the line goes to the local stack's metrics (container.ts) instead of the terminal:
// posted before the invocation's result, so its metrics are counted when the caller gets the answer.
const writeStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (typeof chunk === 'string' && chunk.startsWith('{"_aws":')) {
    parentPort.postMessage({ emf: chunk });
    return true;
  }
  return writeStdout(chunk, ...rest);
};

const { handler } = await import(workerData.bundle);
if (typeof handler !== 'function')
  throw new Error(`${workerData.functionName}: the bundle exports no handler`);

// Set when the local stack is stopping (Ctrl-C): from then on the running invocation's time left
// is zero, which the importer reads to stop at its next safe point (between batches).
let windDownAt = Number.POSITIVE_INFINITY;

parentPort.on('message', async (message) => {
  if (message.windDown) {
    windDownAt = Date.now();
    return;
  }
  const { context, deadline, event } = message;
  const lambdaContext = {
    ...context,
    getRemainingTimeInMillis: () => Math.max(0, Math.min(deadline, windDownAt) - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  try {
    parentPort.postMessage({ ok: true, value: await handler(event, lambdaContext) });
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    parentPort.postMessage({
      ok: false,
      error: { name: failure.name, message: failure.message, stack: failure.stack },
    });
  }
});
parentPort.postMessage({ ready: true });
