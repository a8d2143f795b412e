import { JwtVerifier } from 'aws-jwt-verify';
import { authConfig } from '../config.ts';

/**
 * The JWT verifier, built once per container from config. It fetches the JWKS from `jwksUri` on
 * first use and caches it; `exp` and `nbf` are checked by aws-jwt-verify itself. Tokens must be
 * RS256: anything else (`none`, HS256 signed with the public key, EC) is refused before the
 * signature is even looked at.
 */
const config = authConfig();

const verifier = JwtVerifier.create({
  issuer: config.issuer,
  audience: config.audience,
  jwksUri: config.jwksUri,
  customJwtCheck: ({ header }) => {
    if (header.alg !== 'RS256') throw new Error(`Unsupported JWT algorithm: ${String(header.alg)}`);
  },
});

/** The verifier, e.g. to pre-load a JWKS (`jwtVerifier().cacheJwks(jwks)`) for offline checks. */
export const jwtVerifier = () => verifier;
