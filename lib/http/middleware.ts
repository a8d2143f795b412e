import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { Context } from 'aws-lambda';
import { requireSupreme } from '../auth/caller.ts';
import { observedHandler } from '../lambda-handler.ts';
import { type ApiEvent, callerOf } from './caller.ts';
import { correlationId } from './correlation-id.ts';
import { errorResponses } from './errors.ts';
import type { HttpResponse } from './response.ts';

export interface HttpHandlerOptions {
  /** Parse a JSON request body (POST routes); a wrong content type or malformed JSON is a 4xx. */
  jsonBody?: boolean;
  /** A route without the authorizer (`/heartbeat`): no supreme check. */
  public?: boolean;
}

/**
 * The supreme check as a middleware, so it comes before any other validation — the body parser's
 * included (contract §3). The domain functions check it again: they must be safe whoever calls them.
 */
const supremeOnly = (): MiddlewareObj<AnyApiEvent> => ({
  before: (request) => requireSupreme(callerOf(request.event)),
});

/** Any API event: as API Gateway sends it, or with its body already parsed. */
export type AnyApiEvent = Omit<ApiEvent, 'body'> & { body?: unknown };

export type ApiHandler<E extends AnyApiEvent = ApiEvent> = (
  event: E,
  context: Context,
) => Promise<HttpResponse>;

/**
 * The one middleware stack of every HTTP function: the shared observability stack (tracer first),
 * the correlation id, the JSON body parser where asked, and the error responses last — middy runs
 * onError handlers in reverse, so the error becomes a response before the others see it.
 */
export function httpHandler<E extends AnyApiEvent = ApiEvent>(
  handler: ApiHandler<E>,
  options: HttpHandlerOptions = {},
) {
  const stack = observedHandler<E, HttpResponse>().use(correlationId());
  if (!options.public) stack.use(supremeOnly());
  if (options.jsonBody) stack.use(httpJsonBodyParser());
  return stack.use(errorResponses()).handler(handler);
}
