import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import type { Caller } from '../auth/caller.ts';

/**
 * An HTTP API event as API Gateway sends it to an operation: the authorizer's context (a Caller,
 * contract §3) under `requestContext.authorizer.lambda`. Operations read the caller only from there.
 */
export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Partial<Caller>>;

export function callerOf(event: Pick<ApiEvent, 'requestContext'>): Caller {
  const context = event.requestContext.authorizer?.lambda;
  // Strictly `true`: a string "true" or a missing claim is not a supreme user.
  return { sub: context?.sub, isSupreme: context?.isSupreme === true };
}
