import { sign } from 'node:crypto';
import type { SigningKey } from './keys.ts';

/** The claims a caller of `POST /dev/token` (or a test) may choose. */
export interface TokenClaims {
  sub?: string;
  isSupreme?: boolean;
  /** Lifetime in seconds (default one hour). */
  expiresIn?: number;
}

export interface TokenIssuer {
  issuer: string;
  audience: string;
  key: SigningKey;
}

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Mints an RS256 JWT (RFC 7519) the way an identity provider would: header `{alg, typ, kid}`,
 * registered claims `iss aud sub iat nbf exp` and the service's `isSupreme` claim. node:crypto
 * signs it, so no JWT library is needed for a handful of lines.
 */
export function mintToken(issuer: TokenIssuer, claims: TokenClaims = {}, now = new Date()): string {
  const iat = Math.floor(now.getTime() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: issuer.key.kid };
  const payload = {
    iss: issuer.issuer,
    aud: issuer.audience,
    sub: claims.sub ?? 'local-user',
    isSupreme: claims.isSupreme ?? false,
    iat,
    nbf: iat,
    exp: iat + (claims.expiresIn ?? DEFAULT_TOKEN_TTL_SECONDS),
  };
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), issuer.key.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}
