import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';

/** What the authorizer passes on in its context (contract §3). Operations read identity only from here. */
export interface AuthorizerContext {
  sub?: string;
  isSupreme?: boolean;
}

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;

export interface Identity {
  sub: string | undefined;
  isSupreme: boolean;
}

export function identityOf(event: Pick<ApiEvent, 'requestContext'>): Identity {
  const context = event.requestContext.authorizer?.lambda;
  // Strictly `true`: a string "true" or a missing claim is not a supreme user.
  return { sub: context?.sub, isSupreme: context?.isSupreme === true };
}
