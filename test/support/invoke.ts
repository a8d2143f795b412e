import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type ApiRequest, apiEvent } from './api-events.ts';
import { lambdaContext } from './lambda-context.ts';
import { responseProblem } from './openapi.ts';

export type Handler = (event: never, context: Context) => Promise<unknown>;

export interface ApiReply<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

export interface InvokeOptions {
  /**
   * Check the reply against the OpenAPI document (the default). Off only for handlers that serve no
   * route of the API: the middleware stack's own tests, which throw what no route throws.
   */
  documented?: boolean;
}

/** Calls a real HTTP function handler with a real API Gateway v2 event and parses its reply. */
export async function invoke<T = unknown>(
  handler: Handler,
  request: ApiRequest,
  { documented = true }: InvokeOptions = {},
): Promise<ApiReply<T>> {
  const result = (await handler(
    apiEvent(request) as never,
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2;
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  const text = result.body ?? '';
  const status = result.statusCode ?? 200;
  const body = (text ? JSON.parse(text) : undefined) as T;
  // Every answer a test receives must be one the OpenAPI document describes.
  const problem = documented ? responseProblem(request.method, request.route, status, body) : undefined;
  if (problem) throw new Error(problem);
  return { status, headers, body };
}
