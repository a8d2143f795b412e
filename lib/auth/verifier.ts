import { JwtVerifier } from 'aws-jwt-verify';
import { authConfig } from '../config.ts';
import { lazy } from '../lazy.ts';

/**
 * The JWT verifier, built once per container from config on first use. It fetches the JWKS from
 * `jwksUri` on first use and caches it; `exp` and `nbf` are checked by aws-jwt-verify itself. Tokens
 * must be RS256: anything else (`none`, HS256 signed with the public key, EC) is refused before the
 * signature is even looked at. Pre-load a JWKS for offline checks with `jwtVerifier().cacheJwks(jwks)`.
 */
export const jwtVerifier = lazy(() => {
  const config = authConfig();
  return JwtVerifier.create({
    issuer: config.issuer,
    audience: config.audience,
    jwksUri: config.jwksUri,
    customJwtCheck: ({ header }) => {
      if (header.alg !== 'RS256') throw new Error(`Unsupported JWT algorithm: ${String(header.alg)}`);
    },
  });
});
