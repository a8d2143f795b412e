/**
 * Turns what a function returned into the HTTP response an API Gateway HTTP API sends
 * (payload format 2.0). A result with a `statusCode` is used as given (headers, `cookies` as
 * `set-cookie` headers, `isBase64Encoded` bodies decoded); any other value — a plain object, an
 * array, a string — is "inferred": 200, `content-type: application/json`, and the value's JSON as
 * the body (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
 */
export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface ConvertedResponse {
  response: GatewayResponse;
  /** Set when the result was malformed (API Gateway answers 500): what was wrong, for the log. */
  problem?: string;
}

/** API Gateway's own error responses: `{"message": "..."}`. */
export function gatewayError(statusCode: number, message: string): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

/** A JSON answer of an endpoint the gateway serves itself (the local `/dev/*` endpoints). */
export function gatewayJson(statusCode: number, payload: unknown): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(payload)),
  };
}

export const GatewayErrors = {
  notFound: () => gatewayError(404, 'Not Found'),
  unauthorized: () => gatewayError(401, 'Unauthorized'),
  forbidden: () => gatewayError(403, 'Forbidden'),
  internal: () => gatewayError(500, 'Internal Server Error'),
  /** The integration did not answer within API Gateway's 30-second limit. */
  serviceUnavailable: () => gatewayError(503, 'Service Unavailable'),
  /** Payloads above API Gateway's 10 MB limit. */
  tooLarge: () => gatewayError(413, 'Request Entity Too Large'),
} as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const malformed = (problem: string): ConvertedResponse => ({ response: GatewayErrors.internal(), problem });

function structured(result: Record<string, unknown>): ConvertedResponse {
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return malformed(`statusCode must be an integer HTTP status, got ${JSON.stringify(statusCode)}`);
  }
  if (!isRecord(headers)) return malformed('headers must be an object of header values');
  if (!Array.isArray(cookies) || cookies.some((cookie) => typeof cookie !== 'string')) {
    return malformed('cookies must be an array of strings');
  }
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return malformed(`body must be a string, got ${Array.isArray(body) ? 'array' : typeof body}`);
  }
  const responseHeaders: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) responseHeaders[name.toLowerCase()] = String(value);
  }
  if (cookies.length > 0) responseHeaders['set-cookie'] = cookies as string[];
  const text = body ?? '';
  return {
    response: {
      statusCode,
      headers: responseHeaders,
      body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
    },
  };
}

export function fromFunctionResult(result: unknown): ConvertedResponse {
  if (isRecord(result) && 'statusCode' in result) return structured(result);
  // Lambda serialises the return value as JSON; API Gateway passes that JSON on as the body.
  return {
    response: {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(result ?? null)),
    },
  };
}
