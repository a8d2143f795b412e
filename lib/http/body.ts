import type { ApiEvent } from './caller.ts';

/** An API event whose body the JSON body parser has already parsed (any JSON value). */
export type JsonBody = Omit<ApiEvent, 'body'> & { body: unknown };

/** A top-level field of a JSON object body; undefined when the body is not an object. */
export function jsonField(body: unknown, field: string): unknown {
  if (body === null) return undefined;
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a string, number, boolean or array body has no property named like a body field, so reading one gives undefined all the same (null is answered above; the body parser never hands over undefined)
  const isObject = typeof body === 'object' && !Array.isArray(body);
  return isObject ? (body as Record<string, unknown>)[field] : undefined;
}
