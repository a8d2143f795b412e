import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';

/**
 * The HTTP API stage's access log: one JSON line per request, including the requests that never
 * reach a function — the authorizer's 401/403s, throttling 429s, integration timeouts. Numbers are
 * unquoted where API Gateway always has one (`status`, `responseLatency`), so metric filters can
 * compare them; the rest are quoted, as API Gateway writes `-` when there is no value. `service`
 * is the copy's servicePrefix, the same dimension Powertools gives every metric. No header is
 * logged (the Authorization header least of all), nor any query string or body.
 */
export const ACCESS_LOG_FIELDS = (serviceName: string): Record<string, string | number> => ({
  requestId: '$context.requestId',
  service: serviceName,
  routeKey: '$context.routeKey',
  method: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  responseLatency: '$context.responseLatency',
  responseLength: '$context.responseLength',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  integrationErrorDetail: '$context.integration.error',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  authorizerError: '$context.authorizer.error',
  gatewayError: '$context.error.message',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  requestTime: '$context.requestTime',
});

const UNQUOTED = new Set(['status', 'responseLatency']);

/** The fields above as API Gateway's single-line format template. */
export function accessLogFormat(serviceName: string): AccessLogFormat {
  const parts = Object.entries(ACCESS_LOG_FIELDS(serviceName)).map(
    ([name, value]) => `"${name}":${UNQUOTED.has(name) ? value : JSON.stringify(value)}`,
  );
  return AccessLogFormat.custom(`{${parts.join(',')}}`);
}
