import type { MiddlewareObj, Request } from '@middy/core';
import { logger, tracer } from '../observability.ts';
import { CORRELATION_HEADER, correlationIdOf } from './correlation.ts';

export { CORRELATION_HEADER };

interface EventWithHeaders {
  headers?: Record<string, string | undefined>;
}

/**
 * Takes the correlation id from the request's `x-correlation-id` header or generates one, puts it
 * on every log line and the trace, and echoes it on every response — errors included (its onError
 * runs after the error handler has built the response).
 */
export function correlationId(): MiddlewareObj<EventWithHeaders> {
  const echo = (request: Request<EventWithHeaders>) => {
    const response = request.response as { headers?: Record<string, string> } | undefined;
    // Stryker disable next-line ConditionalExpression,LogicalOperator: every handler of this stack answers an object, and the error handler has built one before this runs; the guard keeps a handler that answers nothing from failing here
    if (!response || typeof response !== 'object') return;
    response.headers = { ...response.headers, [CORRELATION_HEADER]: String(logger.getCorrelationId()) };
  };
  return {
    before: (request) => {
      const id = correlationIdOf(request.event.headers?.[CORRELATION_HEADER]);
      logger.setCorrelationId(id);
      tracer.putAnnotation('correlationId', id);
    },
    after: echo,
    onError: echo,
  };
}
