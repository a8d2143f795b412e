/**
 * The environment the functions read on first use (lib/config.ts), set the way the CDK stack sets
 * it in AWS but pointing at the local pieces. It must be in place before the first invocation.
 * process.env is process-wide and each configuration is kept once read, so one local stack per
 * process is supported.
 */
export interface LocalEnvironment {
  mongoUri: string;
  issuer: string;
  audience: string;
  jwksUri: string;
  bucket: string;
  importFunctionName: string;
  exportFunctionName: string;
  purgeFunctionName: string;
  s3Endpoint: string;
  lambdaEndpoint: string;
  /** The local EventBridge (contract §6b) and its bus. */
  eventBridgeEndpoint: string;
  eventBusName: string;
}

/** The credentials s3rver knows (its only account); the local invoke endpoint accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export function applyLocalEnvironment(local: LocalEnvironment, env: NodeJS.ProcessEnv = process.env): void {
  // Owned by the local stack: these must match the local servers and signing key, whatever the shell says.
  Object.assign(env, {
    MONGODB_URI: local.mongoUri,
    JWT_ISSUER: local.issuer,
    JWT_AUDIENCE: local.audience,
    JWKS_URI: local.jwksUri,
    BUCKET_NAME: local.bucket,
    IMPORT_FUNCTION_NAME: local.importFunctionName,
    EXPORT_FUNCTION_NAME: local.exportFunctionName,
    PURGE_FUNCTION_NAME: local.purgeFunctionName,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ENDPOINT_URL_S3: local.s3Endpoint,
    AWS_ENDPOINT_URL_LAMBDA: local.lambdaEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: local.eventBridgeEndpoint,
    EVENT_BUS_NAME: local.eventBusName,
    // Real AWS credentials from the shell would be refused by s3rver (unknown access key), and a
    // local run must never reach a real account by accident: the SDK reads these before any profile.
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // The functions emit their metrics (EMF) as in AWS; the local stack captures those lines for
    // its dashboard (GET /dev/dashboard) and never prints them (runtime/function-worker.mjs).
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
  delete env.AWS_SESSION_TOKEN;
  delete env.MONGODB_SECRET_NAME;

  // Defaults a developer may override from the shell.
  env.MONGODB_DB ??= 'code-service';
  env.AWS_REGION ??= 'us-east-1';
  env.POWERTOOLS_SERVICE_NAME ??= 'code-service';
  env.POWERTOOLS_METRICS_NAMESPACE ??= 'CodeService';
  // Readable, pretty-printed logs; there is no X-Ray daemon to trace to.
  env.POWERTOOLS_DEV ??= 'true';
  env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
  env.POWERTOOLS_TRACE_ENABLED ??= 'false';
}
