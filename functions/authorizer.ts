import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { type AuthorizationContext, authorize } from '../lib/auth/authorize.ts';
import { eventHandler } from '../lib/lambda-handler.ts';

/** HTTP API Lambda authorizer (payload 2.0, simple responses): verifies the bearer JWT. */
export const handler = eventHandler<
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult<AuthorizationContext | Record<string, never>>
>(async (event) => {
  const result = await authorize(event.headers?.authorization);
  return result.isAuthorized ? result : { isAuthorized: false, context: {} };
});
