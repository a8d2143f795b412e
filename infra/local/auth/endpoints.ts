import { z } from 'zod';
import type { GatewayRequest } from '../gateway/request-event.ts';
import { gatewayError, gatewayJson as json } from '../gateway/response.ts';
import type { LocalEndpoint } from '../gateway/server.ts';
import { mintToken, type TokenIssuer } from './tokens.ts';

/** Local only — the CDK stack never builds these: the token minting endpoint and its JWKS. */
export const DEV_TOKEN_PATH = '/dev/token';
export const DEV_JWKS_PATH = '/dev/.well-known/jwks.json';

const MAX_TTL_SECONDS = 7 * 24 * 3600;

const tokenRequest = z.strictObject({
  sub: z.string().trim().min(1).max(256).optional(),
  isSupreme: z.boolean().optional(),
  expiresIn: z.number().int().positive().max(MAX_TTL_SECONDS).optional(),
});

function parseBody(request: GatewayRequest): unknown {
  const text = request.body.toString('utf8').trim();
  return text === '' ? {} : JSON.parse(text);
}

/**
 * `POST /dev/token` `{"sub"?, "isSupreme"?, "expiresIn"?}` → `{"token"}`, and the JWKS the local
 * authorizer trusts. `issuer` is read per request: it is only known once the gateway listens.
 */
export function devAuthEndpoints(issuer: () => TokenIssuer | undefined): LocalEndpoint[] {
  return [
    {
      method: 'POST',
      path: DEV_TOKEN_PATH,
      handle: (request) => {
        const current = issuer();
        if (!current) return gatewayError(503, 'Service Unavailable');
        let body: unknown;
        try {
          body = parseBody(request);
        } catch {
          return gatewayError(400, 'Request body is not valid JSON');
        }
        const claims = tokenRequest.safeParse(body);
        if (!claims.success) {
          return gatewayError(
            400,
            `Expected {"sub"?: string, "isSupreme"?: boolean, "expiresIn"?: seconds}: ${claims.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')}`,
          );
        }
        return json(200, { token: mintToken(current, claims.data) });
      },
    },
    {
      method: 'GET',
      path: DEV_JWKS_PATH,
      handle: () => {
        const current = issuer();
        return current ? json(200, current.key.jwks) : gatewayError(503, 'Service Unavailable');
      },
    },
  ];
}
