import {
  FailedAssertionError,
  JwtInvalidSignatureError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import { logger, MetricName, MetricUnit, metrics } from '../observability.ts';
import type { Caller } from './caller.ts';
import { jwtVerifier } from './verifier.ts';

/** The authorizer's decision; an authorized request carries its Caller on to the operations. */
export type AuthorizationResult = { isAuthorized: true; context: Caller } | { isAuthorized: false };

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * What aws-jwt-verify throws for a token that is not acceptable: unparsable, bad signature, an
 * algorithm other than RS256, a failed claim (issuer, audience, `exp` — missing included — `nbf`),
 * no usable `kid`, or a `kid` the issuer's current JWKS does not hold. Everything else — the JWKS
 * cannot be fetched or parsed, a configuration error, anything unexpected — says nothing about the
 * token: the authorizer cannot verify at all.
 */
const INVALID_TOKEN_ERRORS = [
  JwtParseError,
  JwtInvalidSignatureError,
  FailedAssertionError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
] as const;

export const isInvalidToken = (error: unknown): boolean =>
  INVALID_TOKEN_ERRORS.some((invalid) => error instanceof invalid);

/**
 * Verifies a `Bearer <JWT>` Authorization header (contract §3). A token that fails verification is
 * denied, and the reason (never the token) logged; the caller only sees API Gateway's 403.
 *
 * When the authorizer cannot verify at all (JWKS unreachable, unexpected error) that is an outage,
 * not a denial: it logs an ERROR, counts `AuthorizerFailures` (alarmed) and throws, so API Gateway
 * answers 500 and caches nothing — a denial would be cached per token for the cache TTL, and every
 * caller would get 403 while Lambda reported no error.
 */
export async function authorize(authorizationHeader: string | undefined): Promise<AuthorizationResult> {
  const token = authorizationHeader?.trim().match(BEARER)?.[1];
  if (!token) {
    logger.info('Authorization denied', { reason: 'missing or malformed Authorization header' });
    return { isAuthorized: false };
  }
  let payload: Awaited<ReturnType<ReturnType<typeof jwtVerifier>['verify']>>;
  try {
    payload = await jwtVerifier().verify(token);
  } catch (error) {
    if (isInvalidToken(error)) {
      logger.info('Authorization denied', {
        reason: (error as Error).message,
        rejection: (error as Error).constructor.name,
      });
      return { isAuthorized: false };
    }
    logger.error('Authorizer cannot verify tokens', { reason: (error as Error).message, error });
    metrics.addMetric(MetricName.AuthorizerFailures, MetricUnit.Count, 1);
    throw error;
  }
  return {
    isAuthorized: true,
    context: { sub: String(payload.sub ?? ''), isSupreme: payload.isSupreme === true },
  };
}
