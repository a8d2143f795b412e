import * as z from 'zod';
import { type ErrorCode, ServiceError } from '../errors.ts';

/**
 * One request input (a query parameter or body property): the zod schema that validates it — the
 * same schema the OpenAPI document shows (lib/http/openapi.ts) — and the contract error code and
 * message a value failing it gets (contract §4: clients match on the codes).
 */
export class Field<S extends z.ZodType = z.ZodType> {
  constructor(
    readonly schema: S,
    readonly code: ErrorCode,
    readonly message: string,
  ) {}

  parse(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value);
    if (!result.success) throw new ServiceError(this.code, this.message);
    return result.data;
  }

  /** Absent (`undefined`) is allowed; anything given must pass. */
  optional(): Field<z.ZodOptional<S>> {
    return new Field(this.schema.optional(), this.code, this.message);
  }
}

export type Fields = Record<string, Field>;
export type ParsedFields<F extends Fields> = { [K in keyof F]: z.output<F[K]['schema']> };

/**
 * Parses inputs field by field, in the fields' order: the first failing field's error is the answer,
 * so the order of the record is the order of the contract's checks.
 */
export function parseFields<F extends Fields>(
  fields: F,
  input: Readonly<Record<string, unknown>>,
): ParsedFields<F> {
  const parsed: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) parsed[name] = field.parse(input[name]);
  return parsed as ParsedFields<F>;
}

/** The zod object of a set of fields: what the OpenAPI document describes. */
export const fieldsSchema = <F extends Fields>(fields: F) =>
  z.object(
    Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, field.schema])) as {
      [K in keyof F]: F[K]['schema'];
    },
  );

const DECIMAL = /^[0-9]+$/;

/**
 * An integer query parameter: query strings carry text, so digits are read as a number first (and
 * nothing else is — no `1e3`, no `0x10`, no spaces); numbers given directly are checked as they are.
 */
export const queryInteger = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value),
    z.int().min(min).max(max),
  );
