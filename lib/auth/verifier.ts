import { JwtVerifier } from 'aws-jwt-verify';
import { JwtInvalidClaimError, JwtInvalidSignatureAlgorithmError } from 'aws-jwt-verify/error';
import { authConfig } from '../config.ts';
import { lazy } from '../lazy.ts';

/**
 * Clock skew tolerated between the token issuer and Lambda when checking `exp` and `nbf`: a token
 * is still accepted up to this many seconds after its `exp`, and from this many seconds before its
 * `nbf`. Both clocks are NTP-synchronised; a few seconds cover an issuer that stamps `nbf = now`.
 */
export const CLOCK_SKEW_SECONDS = 5;

/** A correctly signed token without `exp` would be valid forever: contract §3 makes it invalid. */
export class JwtWithoutExpiryError extends JwtInvalidClaimError {}

/**
 * The JWT verifier, built once per container from config on first use. It fetches the JWKS from
 * `jwksUri` on first use and caches it; `exp` and `nbf` are checked by aws-jwt-verify itself
 * (with CLOCK_SKEW_SECONDS of grace), which checks `exp` only when present — so its presence is
 * checked here. Tokens must be RS256: anything else (`none`, HS256 signed with the public key, EC)
 * is refused. Pre-load a JWKS for offline checks with `jwtVerifier().cacheJwks(jwks)`.
 * Every rejection of a token is an aws-jwt-verify error class (see lib/auth/authorize.ts).
 */
export const jwtVerifier = lazy(() => {
  const config = authConfig();
  return JwtVerifier.create({
    issuer: config.issuer,
    audience: config.audience,
    jwksUri: config.jwksUri,
    graceSeconds: CLOCK_SKEW_SECONDS,
    customJwtCheck: ({ header, payload }) => {
      if (header.alg !== 'RS256') {
        // Stryker disable next-line StringLiteral: the expected value is shown nowhere; the message (the denial log's reason) is asserted in authorizer.test.ts
        throw new JwtInvalidSignatureAlgorithmError('Unsupported JWT algorithm', header.alg, 'RS256');
      }
      if (payload.exp === undefined) {
        // Stryker disable next-line StringLiteral: the expected value is shown nowhere; the message (the denial log's reason) is asserted in authorizer.test.ts
        throw new JwtWithoutExpiryError('Token has no exp claim', undefined, 'a number');
      }
    },
  });
});
