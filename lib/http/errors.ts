import type { MiddlewareObj, Request } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import { createError } from '@middy/util';
import { type ErrorKind, isServiceError } from '../errors.ts';
import { logger } from '../observability.ts';

/**
 * The one place where errors become HTTP responses. Every error body is
 * `{"code": "...", "message": "..."}`; a 500 never carries the underlying error, only a generic
 * message (the error itself goes to the log with the correlation id).
 */
export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  notFound: 404,
};

const body = (code: string, message: string) => JSON.stringify({ code, message });

export const INTERNAL_ERROR_BODY = body('internalError', 'Internal server error');

interface HttpLikeError {
  statusCode?: number;
  message?: string;
  expose?: boolean;
  cause?: { package?: string };
}

/** Errors raised by middy's own middlewares (e.g. the JSON body parser) get a stable code too. */
function middyErrorCode(error: HttpLikeError): { status: number; code: string } | undefined {
  if (error.statusCode === undefined || error.statusCode >= 500) return undefined;
  if (error.cause?.package === '@middy/http-json-body-parser') {
    return error.message === 'Unsupported Media Type'
      ? { status: 415, code: 'unsupportedMediaType' }
      : { status: 400, code: 'invalidJson' };
  }
  return { status: error.statusCode, code: 'badRequest' };
}

/** A rejection as middy's error handler answers it, with what the log needs to explain it. */
interface Rejection extends Error {
  statusCode: number;
  /** The contract error code of the body. */
  contractCode: string;
  /** The body's human message: why the request was rejected. */
  reason: string;
}

function rejection(status: number, code: string, reason: string): Rejection {
  return Object.assign(createError(status, body(code, reason), { expose: true }), {
    contractCode: code,
    reason,
  }) as Rejection;
}

export function toHttpError(error: unknown): unknown {
  if (isServiceError(error)) return rejection(STATUS_BY_KIND[error.kind], error.code, error.message);
  const mapped = middyErrorCode(error as HttpLikeError);
  if (mapped) {
    const reason =
      mapped.code === 'invalidJson' ? 'Request body is not valid JSON' : String((error as Error).message);
    return rejection(mapped.status, mapped.code, reason);
  }
  return error; // anything else is a 500 with the generic body
}

function logError(error: Partial<Rejection>): void {
  if ((error.statusCode ?? 500) >= 500) {
    logger.error('Request failed', { error });
    return;
  }
  // Status, contract code and reason only: a rejection's cause can hold the whole request body
  // (up to 50 000 codes). `message` is a key Powertools reserves for the log line's own text.
  logger.info('Request rejected', {
    statusCode: error.statusCode,
    code: error.contractCode,
    reason: error.reason,
  });
}

/**
 * middy's http-error-handler, preceded by the mapping above. Register it last: middy runs onError
 * handlers in reverse order, so it turns the error into a response before any other middleware's
 * onError sees it.
 */
export function errorResponses(): MiddlewareObj {
  const handler = httpErrorHandler({ fallbackMessage: INTERNAL_ERROR_BODY, logger: logError });
  return {
    onError: async (request: Request) => {
      request.error = toHttpError(request.error) as Error;
      // Stryker disable next-line OptionalChaining: httpErrorHandler always defines onError (the type says it may not)
      await handler.onError?.(request);
    },
  };
}
