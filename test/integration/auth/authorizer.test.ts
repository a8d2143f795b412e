import {
  FetchError,
  JwksValidationError,
  JwtExpiredError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  signEs256,
  signHs256WithPublicKey,
  signRs256,
  testEcKeys,
  testKeys,
  unsigned,
} from '../../support/jwt.ts';
import { lambdaContext } from '../../support/lambda-context.ts';

const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'code-service-test';
const keys = testKeys('k1');
const other = testKeys('k2');
const ec = testEcKeys('k-ec');
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'user-1',
  isSupreme: true,
  iat: now(),
  nbf: now() - 5,
  exp: now() + 300,
  ...extra,
});
const valid = (extra: Record<string, unknown> = {}) =>
  signRs256({ kid: keys.kid }, claims(extra), keys.privateKey);

type Authorizer = (
  event: APIGatewayRequestAuthorizerEventV2,
  context: ReturnType<typeof lambdaContext>,
) => Promise<{
  isAuthorized: boolean;
  context?: Record<string, unknown>;
}>;
let authorizer: Authorizer;
let observability: typeof import('../../../lib/observability.ts');
let isInvalidToken: typeof import('../../../lib/auth/authorize.ts').isInvalidToken;
let authorize: typeof import('../../../lib/auth/authorize.ts').authorize;
let CLOCK_SKEW_SECONDS: number;

beforeAll(async () => {
  // Config is read at module load, so the environment is set before the function is imported.
  process.env.JWT_ISSUER = ISSUER;
  process.env.JWT_AUDIENCE = AUDIENCE;
  // Nothing listens there: a JWKS fetch (for a kid not in the cached JWKS) fails as in an outage.
  process.env.JWKS_URI = 'https://127.0.0.1:9/.well-known/jwks.json';
  const verifier = await import('../../../lib/auth/verifier.ts');
  // Offline: k1 is known without a fetch. The JWKS also publishes an EC key, which the service must
  // not accept.
  verifier.jwtVerifier().cacheJwks({ keys: [...keys.jwks.keys, ...ec.jwks.keys] } as never);
  CLOCK_SKEW_SECONDS = verifier.CLOCK_SKEW_SECONDS;
  authorizer = (await import('../../../functions/authorizer.ts')).handler as unknown as Authorizer;
  observability = await import('../../../lib/observability.ts');
  ({ isInvalidToken, authorize } = await import('../../../lib/auth/authorize.ts'));
});

afterEach(() => {
  vi.restoreAllMocks();
});

function authorizerEvent(authorization?: string): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:us-east-1:123456789012:api123/$default/GET/v1/c1/reserve',
    identitySource: authorization ? [authorization] : [],
    routeKey: 'GET /v1/{campaignId}/reserve',
    rawPath: '/v1/c1/reserve',
    rawQueryString: '',
    cookies: [],
    headers: authorization ? { authorization } : {},
    queryStringParameters: {},
    requestContext: {
      accountId: '123456789012',
      apiId: 'api123',
      domainName: 'api.test',
      domainPrefix: 'api',
      http: {
        method: 'GET',
        path: '/v1/c1/reserve',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'vitest',
      },
      requestId: 'r1',
      routeKey: 'GET /v1/{campaignId}/reserve',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    pathParameters: { campaignId: 'c1' },
    stageVariables: {},
  } as APIGatewayRequestAuthorizerEventV2;
}

const decide = (authorization?: string) =>
  authorizer(authorizerEvent(authorization), lambdaContext('authorizer'));

describe('JWT authorizer', () => {
  it('accepts a valid RS256 token and passes sub and isSupreme on', async () => {
    expect(await decide(`Bearer ${valid()}`)).toEqual({
      isAuthorized: true,
      context: { sub: 'user-1', isSupreme: true },
    });
    expect(await decide(`Bearer ${valid({ isSupreme: false })}`)).toEqual({
      isAuthorized: true,
      context: { sub: 'user-1', isSupreme: false },
    });
  });

  it('reads the scheme in any case around surrounding spaces, and only a strict isSupreme: true', async () => {
    expect(await decide(`  bearer   ${valid()}  `)).toEqual({
      isAuthorized: true,
      context: { sub: 'user-1', isSupreme: true },
    });
    expect(await decide(`Bearer ${valid({ isSupreme: 'true' })}`)).toEqual({
      isAuthorized: true,
      context: { sub: 'user-1', isSupreme: false },
    });
    expect(await decide(`Bearer ${valid({ sub: undefined })}`)).toEqual({
      isAuthorized: true,
      context: { sub: '', isSupreme: true },
    });
  });

  const tampered = () => {
    const [h, , s] = valid().split('.');
    return `${h}.${Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url')}.${s}`;
  };

  it.each([
    ['no header', undefined],
    ['no Bearer scheme', valid()],
    ['another scheme before Bearer', `Basic Bearer ${valid()}`],
    ['Bearer without a token', 'Bearer   '],
    ['two tokens', `Bearer ${valid()} ${valid()}`],
    ['a malformed token', 'Bearer not.a.jwt'],
    ['alg none', `Bearer ${unsigned(keys.kid, claims())}`],
    [
      'HS256 signed with the public key',
      `Bearer ${signHs256WithPublicKey(keys.kid, claims(), keys.publicKey)}`,
    ],
    ['a wrong issuer', `Bearer ${valid({ iss: 'https://evil.test/' })}`],
    ['a wrong audience', `Bearer ${valid({ aud: 'someone-else' })}`],
    ['an expired token', `Bearer ${valid({ exp: now() - 10, iat: now() - 400, nbf: now() - 400 })}`],
    ['nbf in the future', `Bearer ${valid({ nbf: now() + 300 })}`],
    ['a token without exp', `Bearer ${valid({ exp: undefined })}`],
    [
      'a token expired by more than the allowed clock skew',
      () => `Bearer ${valid({ exp: now() - CLOCK_SKEW_SECONDS - 5, iat: now() - 400, nbf: now() - 400 })}`,
    ],
    [
      'a known kid signed by another key',
      `Bearer ${signRs256({ kid: keys.kid }, claims(), other.privateKey)}`,
    ],
    ['a tampered payload', () => `Bearer ${tampered()}`],
    ['ES256 signed by a key of the JWKS', `Bearer ${signEs256(ec.kid, claims(), ec.privateKey)}`],
  ])('denies %s', async (_name, header) => {
    const authorization = typeof header === 'function' ? header() : header;
    const denials = vi.spyOn(observability.logger, 'info');
    const result = await decide(authorization);
    expect(result.isAuthorized).toBe(false);
    expect(result.context ?? {}).toEqual({});
    // Logged with its reason, never with the token.
    const denial = denials.mock.calls.find(([message]) => message === 'Authorization denied');
    expect(denial?.[1]).toMatchObject({ reason: expect.any(String) });
    const token = authorization?.replace(/^Bearer /, '');
    if (token) expect(JSON.stringify(denials.mock.calls)).not.toContain(token);
  });

  it.each([
    ['no header', undefined],
    ['a header without the Bearer scheme', 'Token abc'],
  ])('denies %s as a missing or malformed header, with that reason in the log', async (_name, header) => {
    const denials = vi.spyOn(observability.logger, 'info');
    expect(await authorize(header)).toEqual({ isAuthorized: false });
    expect(denials).toHaveBeenCalledWith('Authorization denied', {
      reason: 'missing or malformed Authorization header',
    });
  });

  it.each([
    ['an ES256 token', () => signEs256(ec.kid, claims(), ec.privateKey), 'Unsupported JWT algorithm'],
    ['a token without exp', () => valid({ exp: undefined }), 'Token has no exp claim'],
  ])('denies %s with the reason in the log', async (_name, token, reason) => {
    const denials = vi.spyOn(observability.logger, 'info');
    expect(await authorize(`Bearer ${token()}`)).toEqual({ isAuthorized: false });
    expect(denials).toHaveBeenCalledWith('Authorization denied', expect.objectContaining({ reason }));
  });

  it('accepts a token within the allowed clock skew of its exp and nbf', async () => {
    const skewed = valid({ exp: now() - 1, nbf: now() + 1 });
    expect((await decide(`Bearer ${skewed}`)).isAuthorized).toBe(true);
  });

  it('fails loudly, not with a denial, when it cannot verify (JWKS unreachable)', async () => {
    const errors = vi.spyOn(observability.logger, 'error');
    const added = vi.spyOn(observability.metrics, 'addMetric');
    // A kid the cached JWKS does not hold makes the verifier fetch the JWKS, which is unreachable.
    const rotated = signRs256({ kid: other.kid }, claims(), other.privateKey);
    await expect(decide(`Bearer ${rotated}`)).rejects.toThrow(FetchError);
    expect(errors).toHaveBeenCalledWith(
      'Authorizer cannot verify tokens',
      expect.objectContaining({ reason: expect.stringContaining('Failed to fetch https://127.0.0.1:9/') }),
    );
    expect(added).toHaveBeenCalledWith('AuthorizerFailures', 'Count', 1);
    expect(JSON.stringify(errors.mock.calls)).not.toContain(rotated);
  });

  it('tells token problems from verification failures by aws-jwt-verify error class', () => {
    // A kid the issuer's fetched JWKS does not hold (or one asked again during the back-off) is
    // the token's problem; a JWKS that cannot be fetched or parsed is ours.
    expect(isInvalidToken(new KidNotFoundInJwksError('kid "x" not found'))).toBe(true);
    expect(isInvalidToken(new WaitPeriodNotYetEndedJwkError('back off'))).toBe(true);
    expect(isInvalidToken(new JwtExpiredError('expired', 1))).toBe(true);
    expect(isInvalidToken(new FetchError('https://issuer/jwks', 'ECONNREFUSED'))).toBe(false);
    expect(isInvalidToken(new JwksValidationError('not a JWKS'))).toBe(false);
    expect(isInvalidToken(new TypeError('unexpected'))).toBe(false);
  });
});
