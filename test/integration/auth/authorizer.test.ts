import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
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

beforeAll(async () => {
  // Config is read at module load, so the environment is set before the function is imported.
  process.env.JWT_ISSUER = ISSUER;
  process.env.JWT_AUDIENCE = AUDIENCE;
  process.env.JWKS_URI = 'https://issuer.test/.well-known/jwks.json';
  const { jwtVerifier } = await import('../../../lib/auth/verifier.ts');
  // Offline: the JWKS is never fetched. It also publishes an EC key, which the service must not accept.
  jwtVerifier().cacheJwks({ keys: [...keys.jwks.keys, ...ec.jwks.keys] } as never);
  authorizer = (await import('../../../functions/authorizer.ts')).handler as unknown as Authorizer;
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
    ['an unknown kid', `Bearer ${signRs256({ kid: other.kid }, claims(), other.privateKey)}`],
    [
      'a known kid signed by another key',
      `Bearer ${signRs256({ kid: keys.kid }, claims(), other.privateKey)}`,
    ],
    ['a tampered payload', () => `Bearer ${tampered()}`],
    ['ES256 signed by a key of the JWKS', `Bearer ${signEs256(ec.kid, claims(), ec.privateKey)}`],
  ])('denies %s', async (_name, header) => {
    const authorization = typeof header === 'function' ? header() : header;
    const result = await decide(authorization);
    expect(result.isAuthorized).toBe(false);
    expect(result.context ?? {}).toEqual({});
  });
});
