import { logger } from '../observability.ts';
import { jwtVerifier } from './verifier.ts';

/** What an authorized request carries on to the operations (API Gateway authorizer context). */
export interface AuthorizationContext {
  sub: string;
  isSupreme: boolean;
}

export type AuthorizationResult =
  | { isAuthorized: true; context: AuthorizationContext }
  | { isAuthorized: false };

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
