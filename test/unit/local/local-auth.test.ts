import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, loadOrCreateSigningKey } from '../../../infra/local/auth/keys.ts';
import { mintToken, type TokenIssuer } from '../../../infra/local/auth/tokens.ts';

// The service's real authorizer logic verifies the locally minted tokens offline: configure it
// the way the local stack does, then load it (config is read at module load).
const issuer: TokenIssuer = {
  issuer: 'http://127.0.0.1:3999/dev',
  audience: 'code-service-local',
  key: generateSigningKey(),
};
process.env.JWT_ISSUER = issuer.issuer;
process.env.JWT_AUDIENCE = issuer.audience;
process.env.JWKS_URI = `${issuer.issuer}/.well-known/jwks.json`;
const { authorize } = await import('../../../lib/auth/authorize.ts');
const { jwtVerifier } = await import('../../../lib/auth/verifier.ts');
jwtVerifier().cacheJwks(issuer.key.jwks);

const decode = (token: string) =>
  token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));

describe('local tokens', () => {
  it('mints an RS256 JWT with the expected header and claims', () => {
    const now = new Date('2026-11-21T10:00:00Z');
    const [header, payload] = decode(mintToken(issuer, { sub: 'ops', isSupreme: true, expiresIn: 60 }, now));
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: issuer.key.kid });
    expect(payload).toEqual({
      iss: 'http://127.0.0.1:3999/dev',
      aud: 'code-service-local',
      sub: 'ops',
      isSupreme: true,
      iat: 1795255200,
      nbf: 1795255200,
      exp: 1795255260,
    });
  });

  it('publishes a JWKS entry an RS256 verifier can use', () => {
    expect(issuer.key.jwks.keys).toEqual([
      { kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: issuer.key.kid, alg: 'RS256', use: 'sig' },
    ]);
  });

  it('is accepted by the service authorizer, which passes sub and isSupreme on', async () => {
    expect(await authorize(`Bearer ${mintToken(issuer, { sub: 'ops', isSupreme: true })}`)).toEqual({
      isAuthorized: true,
      context: { sub: 'ops', isSupreme: true },
    });
    expect(await authorize(`Bearer ${mintToken(issuer, { sub: 'fan' })}`)).toEqual({
      isAuthorized: true,
      context: { sub: 'fan', isSupreme: false },
    });
  });

  it('is refused when expired, for another audience or issuer, or signed by another key', async () => {
    const expired = mintToken(issuer, { isSupreme: true, expiresIn: 60 }, new Date(Date.now() - 3_600_000));
    const otherAudience = mintToken({ ...issuer, audience: 'someone-else' }, { isSupreme: true });
    const otherIssuer = mintToken({ ...issuer, issuer: 'https://evil.example' }, { isSupreme: true });
    // Another key under the known kid: an unknown kid would make the verifier fetch the JWKS, which
    // it only does over HTTPS (the local one is cached instead) — an outage, not a denial.
    const otherKey = mintToken(
      { ...issuer, key: { ...generateSigningKey(), kid: issuer.key.kid } },
      { isSupreme: true },
    );
    for (const token of [expired, otherAudience, otherIssuer, otherKey]) {
      expect(await authorize(`Bearer ${token}`)).toEqual({ isAuthorized: false });
    }
  });
});

describe('the kept signing key', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-auth-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is created once, readable only by its owner, and the same key on every later start', async () => {
    const first = await loadOrCreateSigningKey(join(dir, 'state'));
    const again = await loadOrCreateSigningKey(join(dir, 'state'));
    expect(again.kid).toBe(first.kid);
    expect(again.jwks).toEqual(first.jwks);
    expect((await stat(join(dir, 'state', 'jwt-signing-key.pem'))).mode & 0o777).toBe(0o600);
    const elsewhere = await loadOrCreateSigningKey(join(dir, 'other'));
    expect(elsewhere.kid).not.toBe(first.kid);
  });
});
