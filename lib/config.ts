import * as z from 'zod';
import { lazy } from './lazy.ts';

/**
 * Environment configuration, read and validated once per container, on first use (see lib/lazy.ts).
 * Each concern has its own loader so a function only demands the variables it uses: the authorizer
 * does not need a database, the heartbeat does not need a bucket.
 * A missing or malformed variable throws a ConfigError that names it; nothing defaults to ''.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const nonEmpty = z.string().trim().min(1);
const positiveInt = z.coerce.number().int().positive();

function load<T extends z.ZodType>(what: string, schema: T): z.infer<T> {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`Invalid ${what} configuration: ${problems}`);
  }
  return parsed.data;
}

const mongoSchema = z
  .object({
    /** Connection string; used as is when set (locally, in tests, or when not on AWS). */
    MONGODB_URI: nonEmpty.optional(),
    /** Secrets Manager secret holding the connection string; used when MONGODB_URI is unset. */
    MONGODB_SECRET_NAME: nonEmpty.optional(),
    /** Database name; when unset, the database named in the connection string is used. */
    MONGODB_DB: nonEmpty.optional(),
    MONGODB_MAX_POOL_SIZE: positiveInt.default(5),
    MONGODB_SERVER_SELECTION_TIMEOUT_MS: positiveInt.default(5000),
  })
  .refine((env) => env.MONGODB_URI !== undefined || env.MONGODB_SECRET_NAME !== undefined, {
    message: 'set MONGODB_URI or MONGODB_SECRET_NAME',
    path: ['MONGODB_URI'],
  })
  .transform((env) => ({
    uri: env.MONGODB_URI,
    secretName: env.MONGODB_SECRET_NAME,
    dbName: env.MONGODB_DB,
    maxPoolSize: env.MONGODB_MAX_POOL_SIZE,
    serverSelectionTimeoutMS: env.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
  }));
export type MongoConfig = z.infer<typeof mongoSchema>;
export const mongoConfig = lazy(() => load('MongoDB', mongoSchema));

const authSchema = z
  .object({
    JWT_ISSUER: nonEmpty,
    JWT_AUDIENCE: nonEmpty,
    JWKS_URI: z.url(),
  })
  .transform((env) => ({ issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, jwksUri: env.JWKS_URI }));
export type AuthConfig = z.infer<typeof authSchema>;
export const authConfig = lazy(() => load('authorizer', authSchema));

const s3Schema = z
  .object({
    /** Path-style addressing (`endpoint/bucket/key`): needed by local S3 servers such as s3rver. */
    S3_FORCE_PATH_STYLE: z.stringbool().default(false),
  })
  .transform((env) => ({ forcePathStyle: env.S3_FORCE_PATH_STYLE }));
export type S3Config = z.infer<typeof s3Schema>;
export const s3Config = lazy(() => load('S3', s3Schema));

const importSchema = z
  .object({
    /** Accepted rows per bulk upsert (contract §5: 50 000). Smaller only in tests. */
    IMPORT_BATCH_SIZE: positiveInt.default(50_000),
    /**
     * How long a running import may go without a heartbeat before another delivery may take it
     * over. Shorter than Lambda's first async retry (1 min) so a retry after a crash resumes it.
     */
    IMPORT_LEASE_MS: positiveInt.default(45_000),
  })
  .transform((env) => ({ batchSize: env.IMPORT_BATCH_SIZE, leaseMs: env.IMPORT_LEASE_MS }));
export type ImportConfig = z.infer<typeof importSchema>;
export const importConfig = lazy(() => load('import', importSchema));

const uploadSchema = z
  .object({
    /** The bucket route 1's `fileKey` refers to (the one whose `codes/` prefix triggers the importer). */
    BUCKET_NAME: nonEmpty,
    /** The importer function route 1 hands an import to (asynchronous Invoke). */
    IMPORT_FUNCTION_NAME: nonEmpty,
    /** How long route 1 waits for the import before answering 202 (API Gateway gives up at 30 s). */
    IMPORT_WAIT_MS: z.coerce.number().int().nonnegative().default(25_000),
  })
  .transform((env) => ({
    bucket: env.BUCKET_NAME,
    importFunctionName: env.IMPORT_FUNCTION_NAME,
    waitMs: env.IMPORT_WAIT_MS,
  }));
export type UploadConfig = z.infer<typeof uploadSchema>;
export const uploadConfig = lazy(() => load('upload', uploadSchema));

const eventsSchema = z
  .object({
    /** The service's own EventBridge bus (contract §6b); locally the stand-in's bus. */
    EVENT_BUS_NAME: nonEmpty,
  })
  .transform((env) => ({ busName: env.EVENT_BUS_NAME }));
export type EventsConfig = z.infer<typeof eventsSchema>;
export const eventsConfig = lazy(() => load('events', eventsSchema));

const jobSchema = z
  .object({
    /**
     * How long a running export or purge may go without a sign of life before a retry may take it
     * over. Shorter than Lambda's first async retry (1 min), as for imports.
     */
    JOB_LEASE_MS: positiveInt.default(45_000),
    /** Codes per purge batch: one find, one note in the record and one deleteMany each (contract §6a). */
    PURGE_BATCH_SIZE: positiveInt.default(5_000),
    /** Rows between two progress notes of a running export (they renew its lease too). */
    EXPORT_PROGRESS_ROWS: positiveInt.default(50_000),
  })
  .transform((env) => ({
    leaseMs: env.JOB_LEASE_MS,
    purgeBatchSize: env.PURGE_BATCH_SIZE,
    exportProgressRows: env.EXPORT_PROGRESS_ROWS,
  }));
export type JobConfig = z.infer<typeof jobSchema>;
export const jobConfig = lazy(() => load('job', jobSchema));

const exportBucketSchema = z
  .object({
    /** The bucket whose `exports/` prefix receives export files (the codes bucket). */
    BUCKET_NAME: nonEmpty,
  })
  .transform((env) => ({ bucket: env.BUCKET_NAME }));
export type ExportBucketConfig = z.infer<typeof exportBucketSchema>;
export const exportBucketConfig = lazy(() => load('export bucket', exportBucketSchema));

const exporterSchema = z
  .object({
    /** The export function route 12 hands an export to (asynchronous Invoke). */
    EXPORT_FUNCTION_NAME: nonEmpty,
  })
  .transform((env) => ({ functionName: env.EXPORT_FUNCTION_NAME }));
export const exporterConfig = lazy(() => load('exporter', exporterSchema));

const purgerSchema = z
  .object({
    /** The purge function route 14 hands a purge to (asynchronous Invoke). */
    PURGE_FUNCTION_NAME: nonEmpty,
  })
  .transform((env) => ({ functionName: env.PURGE_FUNCTION_NAME }));
export const purgerConfig = lazy(() => load('purger', purgerSchema));
