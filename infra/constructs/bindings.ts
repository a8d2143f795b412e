import { type Acknowledgment, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
// The function cdk-nag names its wildcard findings with, so an acknowledgement matches exactly.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { ServiceConfig } from '../config.ts';
import { EXPORTS_PREFIX, IMPORT_TRIGGER } from '../routes.ts';

/**
 * What a function needs from the cloud to use one resource, in one place: the variables that tell
 * lib/config.ts where the resource is, and the IAM statements that let the function use it.
 * `ServiceFunction.bind()` applies both together, so a function can never get one without the other.
 * Explicit statements, no grant helpers: those add wildcard actions (`s3:GetObject*`).
 */
export interface Binding {
  environment: Record<string, string>;
  statements: PolicyStatement[];
  /** cdk-nag findings its statements raise on purpose, each with the reason (kept beside the grant). */
  acknowledgements?: Acknowledgment[];
}

/** MongoDB: the secret holding the connection string (by name, never the URI) and the pool size. */
export function mongoBinding(secret: ISecret, mongo: ServiceConfig['mongo']): Binding {
  return {
    environment: {
      MONGODB_SECRET_NAME: mongo.secretName,
      MONGODB_MAX_POOL_SIZE: String(mongo.maxPoolSize),
      ...(mongo.dbName ? { MONGODB_DB: mongo.dbName } : {}),
    },
    statements: [
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        // A secret's ARN ends in a random 6-character suffix, unknown when referenced by name.
        resources: [`${secret.secretArn}-??????`],
      }),
    ],
  };
}

/** JWT verification settings; no grant: the authorizer only fetches the public JWKS over HTTPS. */
export function authBinding(auth: ServiceConfig['auth']): Binding {
  return {
    environment: { JWT_ISSUER: auth.issuer, JWT_AUDIENCE: auth.audience, JWKS_URI: auth.jwksUri },
    statements: [],
  };
}

/**
 * The objects under one prefix of a bucket. cdk-nag sees the `*` as a wildcard grant: the
 * acknowledgement, named exactly as cdk-nag names the finding, says why the prefix is the grant.
 */
function objectsUnder(
  bucket: IBucket,
  prefix: string,
  reason: string,
): { arn: string; acknowledgement: Acknowledgment } {
  const arn = bucket.arnForObjects(`${prefix}*`);
  return {
    arn,
    acknowledgement: {
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(bucket).resolve(arn))}]`,
      reason,
    },
  };
}

/** Reads uploaded code files: the bucket's name and GetObject on `codes/*` only. */
export function codesBucketBinding(bucket: IBucket): Binding {
  const codeFiles = objectsUnder(
    bucket,
    IMPORT_TRIGGER.prefix,
    'Code files are any object under codes/ (contract §5): the grant is that prefix, not the bucket.',
  );
  return {
    environment: { BUCKET_NAME: bucket.bucketName },
    statements: [
      new PolicyStatement({
        // GetObjectVersion: the bucket is versioned and the importer reads the announced version.
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [codeFiles.arn],
      }),
    ],
    acknowledgements: [codeFiles.acknowledgement],
  };
}

/**
 * Tells a missing upload (404 `fileNotFound`) from a forbidden one: S3 answers 403 instead of 404
 * to a caller without s3:ListBucket. Key names only, no data.
 */
export function codesListingBinding(bucket: IBucket): Binding {
  return {
    environment: {},
    statements: [new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] })],
  };
}

/**
 * Hands work to another function (an asynchronous Invoke, lib/handoff.ts): the variable that names
 * it, and InvokeFunction on that function only.
 */
function handOffBinding(
  variable: string,
  worker: IFunction,
  environment: Record<string, string> = {},
): Binding {
  return {
    environment: { [variable]: worker.functionName, ...environment },
    statements: [
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [worker.functionArn] }),
    ],
  };
}

/** Hands imports to the importer function (asynchronous Invoke) and says how long to wait for them. */
export function importerBinding(importer: IFunction, waitMs: number): Binding {
  return handOffBinding('IMPORT_FUNCTION_NAME', importer, { IMPORT_WAIT_MS: String(waitMs) });
}

/** The service's EventBridge bus (contract §6b): its name, and PutEvents on that bus only. */
export function eventsBinding(bus: { eventBusName: string; eventBusArn: string }): Binding {
  return {
    environment: { EVENT_BUS_NAME: bus.eventBusName },
    statements: [new PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] })],
  };
}

/** Hands exports to the export function. */
export const exporterBinding = (exporter: IFunction): Binding =>
  handOffBinding('EXPORT_FUNCTION_NAME', exporter);

/** Hands purges to the purge function. */
export const purgerBinding = (purger: IFunction): Binding => handOffBinding('PURGE_FUNCTION_NAME', purger);

const EXPORT_FILES_REASON =
  'Export files are any object under exports/ (contract §6a): the grant is that prefix, never codes/.';

/**
 * Writes export files: PutObject (which also covers the multipart upload's create, part and
 * complete calls) and AbortMultipartUpload, on `exports/*` only — never on the codes the importer reads.
 */
export function exportsWriteBinding(bucket: IBucket): Binding {
  const exportFiles = objectsUnder(bucket, EXPORTS_PREFIX, EXPORT_FILES_REASON);
  return {
    environment: { BUCKET_NAME: bucket.bucketName },
    statements: [
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [exportFiles.arn],
      }),
    ],
    acknowledgements: [exportFiles.acknowledgement],
  };
}

/**
 * Reads export files, for the pre-signed download URLs route 13 mints: a pre-signed URL carries
 * the signer's permissions, so this is what the URL may do — GetObject on `exports/*` only.
 */
export function exportsReadBinding(bucket: IBucket): Binding {
  const exportFiles = objectsUnder(bucket, EXPORTS_PREFIX, EXPORT_FILES_REASON);
  return {
    environment: {},
    statements: [new PolicyStatement({ actions: ['s3:GetObject'], resources: [exportFiles.arn] })],
    acknowledgements: [exportFiles.acknowledgement],
  };
}
