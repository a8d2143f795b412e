import * as z from 'zod';
import { listCodesQuerySchema } from '../codes/list.ts';
import { CODE_STATUSES } from '../codes/model.ts';
import {
  campaignIdField,
  codesSchema,
  countField,
  reserveIdField,
  statusField,
  typeField,
} from '../codes/validation.ts';
import { codeViewSchema } from '../codes/view.ts';
import type { ErrorCode } from '../errors.ts';
import { listImportsQuerySchema } from '../import/list.ts';
import { importViewSchema } from '../import/view-schema.ts';
import { exportRequestSchema, purgeRequestSchema } from '../jobs/requests.ts';
import {
  exportStartedSchema,
  exportViewSchema,
  purgeStartedSchema,
  purgeViewSchema,
} from '../jobs/view-schemas.ts';
import { pageSchema } from '../paging/cursor.ts';
import { poolSettingsBody, poolViewSchema } from '../pools/settings.ts';

/**
 * The HTTP API's route table (contract §4): each route once, with what it takes and answers. The CDK
 * stack and the local gateway build their routes from it (through infra/routes.ts, which adds the
 * functions' entry files), and lib/http/openapi.ts builds the OpenAPI document from it — with the
 * same zod schemas that validate the requests. Adding a route is adding one entry here.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  /** Response headers the route sets, by name, with their meaning. */
  headers?: Record<string, string>;
}

export interface ApiRoute {
  method: HttpMethod;
  /** API Gateway path syntax: `{name}` is a path parameter (see PATH_PARAMETERS). */
  path: string;
  /** The function serving the route: a key of FUNCTIONS in infra/routes.ts. */
  function: string;
  /** Guarded by the JWT Lambda authorizer (and the supreme check, contract §3). */
  authorized: boolean;
  summary: string;
  description?: string;
  /** Query parameters: a zod object whose properties validate them. */
  query?: z.ZodObject;
  /** A JSON request body. */
  body?: z.ZodType;
  /** Successful (2xx/503) responses by status. */
  responses: Record<number, RouteResponse>;
  /** The contract error codes the route answers with, beyond the authorizer's and the body parser's. */
  errors: readonly ErrorCode[];
}

/** Path parameters by name: the schema that validates each wherever it appears. */
export const PATH_PARAMETERS: Record<string, z.ZodType> = {
  campaignId: campaignIdField.schema,
  importId: z.string().describe('An import id (32 hexadecimal characters)'),
  type: typeField.schema,
  exportId: z.string().describe('An export id (32 hexadecimal characters)'),
  purgeId: z.string().describe('A purge id (32 hexadecimal characters)'),
};

const json = (description: string, schema: z.ZodType, headers?: Record<string, string>): RouteResponse => ({
  description,
  schema,
  ...(headers ? { headers } : {}),
});

const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ mongo: z.boolean() }),
});
const statusCountsSchema = z.object(
  Object.fromEntries(CODE_STATUSES.map((status) => [status, z.int().nonnegative().optional()])),
);
const changeCountSchema = z.object({ count: z.object({ in: z.int(), updated: z.int() }) });
const runningSchema = z.object({ importId: z.string(), status: z.literal('running') });
const codesBody = (extra: z.ZodRawShape = {}) => z.object({ codes: codesSchema, ...extra });

export const API_ROUTES = [
  {
    method: 'GET',
    path: '/heartbeat',
    function: 'heartbeat',
    authorized: false,
    summary: 'Health of the service and its database',
    responses: {
      200: json('MongoDB answers', healthSchema),
      503: json('MongoDB is unreachable', healthSchema),
    },
    errors: [],
  },
  {
    method: 'GET',
    path: '/openapi.json',
    function: 'openapi',
    authorized: false,
    summary: 'This OpenAPI 3.1 document',
    responses: { 200: { description: 'The OpenAPI document of the API' } },
    errors: [],
  },
  {
    method: 'POST',
    path: '/v1/{campaignId}/codes',
    function: 'upload',
    authorized: true,
    summary: 'Import a CSV file of codes already uploaded to the bucket',
    description: 'Runs the importer on s3://<bucket>/<fileKey> and waits up to ~25 s (contract §4 route 1).',
    body: z.object({
      fileKey: z
        .string()
        .describe('codes/<campaignId>/<type>/<name>.csv; its campaignId must be the path one'),
    }),
    responses: {
      200: json('The import finished (its status tells succeeded from failed)', importViewSchema),
      202: json('Still running: follow it at Location', runningSchema, {
        location: 'The import record (route 6)',
      }),
    },
    errors: ['invalidCampaignId', 'invalidFileKey', 'invalidType', 'fileNotFound'],
  },
  {
    method: 'GET',
    path: '/v1/{campaignId}/codes/count',
    function: 'count',
    authorized: true,
    summary: 'Count a pool by status',
    query: z.object({ type: typeField.schema, status: statusField.schema.optional() }),
    responses: {
      200: json('Counts by status (only the asked one when status is given)', statusCountsSchema),
    },
    errors: ['invalidCampaignId', 'missingType', 'invalidType', 'invalidStatus'],
  },
  {
    method: 'GET',
    path: '/v1/{campaignId}/reserve',
    function: 'reserve',
    authorized: true,
    summary: 'Reserve available codes for 24 hours',
    query: z.object({
      count: countField.schema,
      type: typeField.schema,
      reserveId: reserveIdField.schema.optional(),
    }),
    responses: {
      200: json('The reserved codes (fewer than count only when fewer are available)', z.array(z.string()), {
        'x-reserve-id': 'The reservation id (the one given, or a new one)',
      }),
    },
    errors: [
      'invalidCampaignId',
      'missingCodeReserveParams',
      'invalidCount',
      'invalidType',
      'invalidReserveId',
    ],
  },
  {
    method: 'POST',
    path: '/v1/{campaignId}/assign',
    function: 'assign',
    authorized: true,
    summary: 'Assign codes for good',
    body: codesBody(),
    responses: { 200: json('Codes asked about and codes newly assigned', changeCountSchema) },
    errors: ['invalidCampaignId', 'missingCodes', 'invalidCodesProp', 'emptyCodes', 'tooManyCodes'],
  },
  {
    method: 'POST',
    path: '/v1/{campaignId}/release',
    function: 'release',
    authorized: true,
    summary: 'Release reserved codes (listed, or all of a reservation)',
    body: codesBody({ reserveId: reserveIdField.schema.optional() }).partial({ codes: true }),
    responses: { 200: json('Codes asked about and codes released', changeCountSchema) },
    errors: [
      'invalidCampaignId',
      'missingCodes',
      'invalidCodesProp',
      'emptyCodes',
      'tooManyCodes',
      'invalidReserveId',
    ],
  },
  {
    method: 'GET',
    path: '/v1/{campaignId}/imports/{importId}',
    function: 'getImport',
    authorized: true,
    summary: 'One import record',
    responses: { 200: json('The import record (contract §5)', importViewSchema) },
    errors: ['invalidCampaignId', 'importNotFound'],
  },
  {
    method: 'GET',
    path: '/v1/{campaignId}/codes',
    function: 'listCodes',
    authorized: true,
    summary: 'List or look up codes',
    description:
      'Code views in code order, filtered by any of type, status, reserveId (codes that reservation holds now) and code (an exact lookup: 0 or 1 item), a page at a time: pass nextCursor as cursor until it is null.',
    query: listCodesQuerySchema,
    responses: { 200: json('A page of code views', pageSchema(codeViewSchema)) },
    errors: [
      'invalidCampaignId',
      'invalidType',
      'invalidStatus',
      'invalidReserveId',
      'invalidCodesProp',
      'invalidLimit',
      'invalidCursor',
    ],
  },
  {
    method: 'GET',
    path: '/v1/{campaignId}/imports',
    function: 'listImports',
    authorized: true,
    summary: "List a campaign's imports, newest first",
    query: listImportsQuerySchema,
    responses: { 200: json('A page of import records', pageSchema(importViewSchema)) },
    errors: ['invalidCampaignId', 'invalidStatus', 'invalidLimit', 'invalidCursor'],
  },
  {
    method: 'GET',
    path: '/v1/{campaignId}/pools/{type}',
    function: 'getPool',
    authorized: true,
    summary: 'A pool: counts by status, low-stock threshold and alert state',
    responses: { 200: json('The pool view', poolViewSchema) },
    errors: ['invalidCampaignId', 'invalidType'],
  },
  {
    method: 'PUT',
    path: '/v1/{campaignId}/pools/{type}',
    function: 'putPool',
    authorized: true,
    summary: "Set a pool's low-stock threshold (null: no alerts)",
    description: 'Pool Low events at the threshold T and at T/2, T/4, T/8; Pool Empty at 0 (contract §6b).',
    body: poolSettingsBody,
    responses: { 200: json('The pool view', poolViewSchema) },
    errors: ['invalidCampaignId', 'invalidType', 'invalidThreshold'],
  },
  {
    method: 'POST',
    path: '/v1/{campaignId}/exports',
    function: 'startExport',
    authorized: true,
    summary: "Export a pool's codes (optionally of one status) as CSV",
    description:
      'Runs as a job (contract §6a): follow it at Location until it has succeeded, then download its url.',
    body: exportRequestSchema,
    responses: {
      202: json('Started', exportStartedSchema, { location: 'The export record (route 13)' }),
    },
    errors: ['invalidCampaignId', 'missingType', 'invalidType', 'invalidStatus'],
  },
  {
    method: 'GET',
    path: '/v1/{campaignId}/exports/{exportId}',
    function: 'getExport',
    authorized: true,
    summary: 'One export record; once succeeded, with a fresh pre-signed download URL',
    responses: { 200: json('The export record (contract §6a)', exportViewSchema) },
    errors: ['invalidCampaignId', 'exportNotFound'],
  },
  {
    method: 'POST',
    path: '/v1/{campaignId}/purges',
    function: 'startPurge',
    authorized: true,
    summary: "Delete a pool's codes of the listed statuses",
    description: 'Runs as a job (contract §6a); assigned codes only with includeAssigned: true.',
    body: purgeRequestSchema,
    responses: {
      202: json('Started', purgeStartedSchema, { location: 'The purge record (route 15)' }),
    },
    errors: ['invalidCampaignId', 'missingType', 'invalidType', 'invalidStatuses'],
  },
  {
    method: 'GET',
    path: '/v1/{campaignId}/purges/{purgeId}',
    function: 'getPurge',
    authorized: true,
    summary: 'One purge record',
    responses: { 200: json('The purge record (contract §6a)', purgeViewSchema) },
    errors: ['invalidCampaignId', 'purgeNotFound'],
  },
] as const satisfies readonly ApiRoute[];

/** The route key API Gateway uses (`GET /v1/{campaignId}/reserve`). */
export const routeKey = (route: Pick<ApiRoute, 'method' | 'path'>): string => `${route.method} ${route.path}`;
