import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { openApiDocument } from '../../lib/http/openapi.ts';

/**
 * Checks an answer of the API against the OpenAPI document (contract §4 route 16): the route and
 * status must be documented and the body must validate against the documented schema. Every reply
 * test/support/invoke.ts returns goes through here, so each integration suite checks the document.
 */
// ajv-formats is CommonJS: its default export is the module object under Node's ESM interop.
const addFormats = ((addFormatsModule as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => void;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

type Json = Record<string, unknown>;
const validators = new Map<string, ReturnType<Ajv2020['compile']>>();

export function responseProblem(
  method: string,
  route: string,
  status: number,
  body: unknown,
): string | undefined {
  const doc = openApiDocument() as { paths: Record<string, Record<string, Json>> };
  const operation = doc.paths[route]?.[method.toLowerCase()];
  if (!operation) return `${method} ${route} is not in the OpenAPI document`;
  const responses = operation.responses as Record<string, Json>;
  const response = responses[String(status)];
  if (!response) return `${method} ${route} answered ${status}, which the OpenAPI document does not list`;
  const schema = (response.content as Record<string, { schema: Json }> | undefined)?.['application/json']
    ?.schema;
  if (!schema) return undefined;
  const key = `${method} ${route} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  if (validate(body)) return undefined;
  return `${key}: the body does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}`;
}
