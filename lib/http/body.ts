import type { ApiEvent } from './caller.ts';

/** An API event whose body the JSON body parser has already parsed (any JSON value). */
export type JsonBody = Omit<ApiEvent, 'body'> & { body: unknown };

/** A top-level field of a JSON object body; undefined when the body is not an object. */
export function jsonField(body: unknown, field: string): unknown {
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)[field]
    : undefined;
}
