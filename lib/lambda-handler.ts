import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from './observability.ts';

/**
 * The observability stack every function starts with (HTTP functions add theirs on top, see
 * lib/http/middleware.ts): the tracer first, so its segment spans everything, then the logger
 * (Lambda context on every line, keys reset per invocation) and metrics (flushed per invocation,
 * cold starts counted).
 */
export function observedHandler<E, R>(): MiddyfiedHandler<E, R, Error, Context> {
  return middy<E, R>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

/** A non-HTTP function (authorizer, S3 trigger) with the shared observability stack. */
export function eventHandler<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return observedHandler<E, R>().handler(handler);
}
