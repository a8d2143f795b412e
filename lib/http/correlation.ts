import { randomUUID } from 'node:crypto';

/** The header that carries a request's correlation id, in and out (functions and local gateway). */
export const CORRELATION_HEADER = 'x-correlation-id';

// Accept a caller's id only when it is a sane token, so logs and headers cannot be injected into.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's correlation id when it is acceptable, else a new one. */
export const correlationIdOf = (given: string | undefined): string =>
  given && ACCEPTABLE_ID.test(given) ? given : randomUUID();
