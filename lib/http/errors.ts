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
const STATUS_BY_KIND: Record<ErrorKind, number> = {
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

export function toHttpError(error: unknown): unknown {
  if (isServiceError(error)) {
    return createError(STATUS_BY_KIND[error.kind], body(error.code, error.message), { expose: true });
  }
  const mapped = middyErrorCode(error as HttpLikeError);
  if (mapped) {
    const message =
      mapped.code === 'invalidJson' ? 'Request body is not valid JSON' : String((error as Error).message);
    // Stryker disable next-line ObjectLiteral: middy exposes a status under 500 by default; said here for the reader
    return createError(mapped.status, body(mapped.code, message), { expose: true });
  }
  return error; // anything else is a 500 with the generic body
}

function logError(error: { statusCode?: number; message?: string }): void {
  if ((error.statusCode ?? 500) >= 500) logger.error('Request failed', { error });
  // A rejection's cause can hold the whole request body (up to 50 000 codes): status and message only.
  else logger.info('Request rejected', { statusCode: error.statusCode, message: error.message });
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
      await handler.onError?.(request);
    },
  };
}
