import * as z from 'zod';
import { ERROR_KINDS, type ErrorCode } from '../errors.ts';
import { lazy } from '../lazy.ts';
import { STATUS_BY_KIND } from './errors.ts';
import { API_ROUTES, type ApiRoute, PATH_PARAMETERS } from './routes.ts';

/**
 * The OpenAPI 3.1 document of the API (contract §4 route 16), generated from the route table and
 * the zod schemas that validate requests (zod's own JSON Schema conversion: OpenAPI 3.1 schemas are
 * JSON Schema 2020-12), so it cannot drift from what the service accepts.
 */
type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

function jsonSchema(schema: z.ZodType, io: Io): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    // Stryker disable next-line StringLiteral: zod's default; the target only names `$schema` (dropped here) and the `$defs` section, which these schemas never need (no ids, no cycles)
    target: 'draft-2020-12',
    io,
    // Stryker disable next-line StringLiteral: zod reads any other text as "write nothing", the same empty schema 'any' leaves (what matters, not throwing, is tested)
    unrepresentable: 'any',
  });
  return rest;
}

/** Whether an input may be left out: its schema accepts `undefined` (optional, or with a default). */
const isOptional = (schema: z.ZodType): boolean => schema.safeParse(undefined).success;

const errorBody = (codes: readonly string[]): JsonSchema => ({
  type: 'object',
  properties: { code: { type: 'string', enum: [...codes] }, message: { type: 'string' } },
  required: ['code', 'message'],
});

/** API Gateway's own answer when the authorizer denies a request (it never reaches a function). */
const gatewayDenial: JsonSchema = {
  type: 'object',
  properties: { message: { type: 'string' } },
  required: ['message'],
};

function parameters(route: ApiRoute): JsonSchema[] {
  const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  const path = pathNames.map((name) => ({
    name,
    in: 'path',
    required: true,
    // Path and query values arrive as text and are read by the schemas (digits become numbers):
    // the document shows what they accept once read.
    // Stryker disable next-line StringLiteral: for zod any io but 'input' reads as output; only objects would differ (additionalProperties), and a parameter is never one
    schema: jsonSchema(PATH_PARAMETERS[name] ?? z.string(), 'output'),
  }));
  const query = Object.entries(route.query?.shape ?? {}).map(([name, schema]) => {
    // Stryker disable next-line StringLiteral: as for path parameters, a query parameter is never an object
    const described = jsonSchema(schema as z.ZodType, 'output');
    return {
      name,
      in: 'query',
      required: !isOptional(schema as z.ZodType),
      ...(typeof described.description === 'string' ? { description: described.description } : {}),
      schema: described,
    };
  });
  return [...path, ...query];
}

function errorResponses(route: ApiRoute): Record<string, JsonSchema> {
  const byStatus = new Map<number, string[]>();
  const add = (status: number, code: string) => byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  for (const code of route.errors) add(STATUS_BY_KIND[ERROR_KINDS[code as ErrorCode]], code);
  if (route.authorized) add(401, 'supremeUserRequired');
  if (route.body) {
    add(400, 'invalidJson');
    add(415, 'unsupportedMediaType');
  }
  add(500, 'internalError');
  const responses: Record<string, JsonSchema> = {};
  // Stryker disable next-line MethodExpression,ArrowFunction,ArithmeticOperator: an object lists integer-like keys in ascending order anyway; sorted for the reader
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const body = status === 401 ? { anyOf: [errorBody(codes), gatewayDenial] } : errorBody(codes);
    const listed = codes.join(', ');
    responses[String(status)] = {
      description: status === 401 ? `No valid token, or: ${listed}` : listed,
      content: { 'application/json': { schema: body } },
    };
  }
  if (route.authorized) {
    responses['403'] = {
      description: 'The authorizer denied the token',
      content: { 'application/json': { schema: gatewayDenial } },
    };
  }
  return responses;
}

function operation(route: ApiRoute): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(response.headers).map(([name, description]) => [
                name,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(response.schema
        ? { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } }
        : { content: { 'application/json': { schema: { type: 'object' } } } }),
    };
  }
  Object.assign(responses, errorResponses(route));
  const params = parameters(route);
  return {
    operationId: route.function,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: route.authorized ? [{ bearer: [] }] : [],
    ...(params.length ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly ApiRoute[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Code service',
      version: '1.0.0',
      description:
        'Pools of unique single-use access codes: import, reserve, assign, release, count, list. Errors are {"code", "message"}; every response carries x-correlation-id.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'RS256 JWT; every operation needs the claim isSupreme: true',
        },
      },
    },
  };
}

/** The document of this API, built once per container. */
export const openApiDocument = lazy(() => buildOpenApiDocument(API_ROUTES));
