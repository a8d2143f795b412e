import { logger } from '../observability.ts';
import type { Caller } from './caller.ts';
import { jwtVerifier } from './verifier.ts';

/** The authorizer's decision; an authorized request carries its Caller on to the operations. */
export type AuthorizationResult = { isAuthorized: true; context: Caller } | { isAuthorized: false };

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Verifies a `Bearer <JWT>` Authorization header. Any failure — no header, malformed, bad
 * signature, wrong issuer or audience, expired, not yet valid, unknown key — denies; the reason is
 * logged, never returned to the caller.
 */
export async function authorize(authorizationHeader: string | undefined): Promise<AuthorizationResult> {
  const token = authorizationHeader?.trim().match(BEARER)?.[1];
  if (!token) {
    logger.info('Authorization denied', { reason: 'missing or malformed Authorization header' });
    return { isAuthorized: false };
  }
  try {
    const payload = await jwtVerifier().verify(token);
    return {
      isAuthorized: true,
      context: { sub: String(payload.sub ?? ''), isSupreme: payload.isSupreme === true },
    };
  } catch (error) {
    logger.info('Authorization denied', { reason: (error as Error).message });
    return { isAuthorized: false };
  }
}
