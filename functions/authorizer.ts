import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { authorize } from '../lib/auth/authorize.ts';
import type { Caller } from '../lib/auth/caller.ts';
import { eventHandler } from '../lib/lambda-handler.ts';

/** HTTP API Lambda authorizer (payload 2.0, simple responses): verifies the bearer JWT. */
export const handler = eventHandler<
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult<Caller | Record<string, never>>
>(async (event) => {
  const result = await authorize(event.headers?.authorization);
  return result.isAuthorized ? result : { isAuthorized: false, context: {} };
});
