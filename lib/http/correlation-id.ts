import { randomUUID } from 'node:crypto';
import type { MiddlewareObj, Request } from '@middy/core';
import { logger, tracer } from '../observability.ts';

export const CORRELATION_HEADER = 'x-correlation-id';

// Accept a caller's id only when it is a sane token, so logs and headers cannot be injected into.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
    if (!response || typeof response !== 'object') return;
    response.headers = { ...response.headers, [CORRELATION_HEADER]: String(logger.getCorrelationId()) };
  };
  return {
    before: (request) => {
      const given = request.event.headers?.[CORRELATION_HEADER];
      const id = given && ACCEPTABLE_ID.test(given) ? given : randomUUID();
      logger.setCorrelationId(id);
      tracer.putAnnotation('correlationId', id);
    },
    after: echo,
    onError: echo,
  };
}
