import type { Db, MongoClient } from 'mongodb';
import { type MongoConfig, mongoConfig } from '../config.ts';
import { lazy } from '../lazy.ts';
import { logger, serviceName, tracer } from '../observability.ts';

/**
 * One MongoDB client per container, shared by every invocation. We cache the *connect promise*,
 * not the client, so concurrent first calls share one connection attempt; a failed attempt is
 * dropped so the next invocation tries again instead of reusing a rejected promise forever.
 */
let connecting: Promise<MongoClient> | undefined;

/**
 * Powertools Parameters over a Secrets Manager client the tracer captures (a subsegment per read).
 * These modules, like the driver, are loaded on first use, not at cold start: a cold start that
 * does not reach the database (a rejected request) does not pay for them
 * (test/bench/cold-start.bench.ts).
 */
const secrets = lazy(async () => {
  const [{ SecretsProvider }, { SecretsManagerClient }] = await Promise.all([
    import('@aws-lambda-powertools/parameters/secrets'),
    import('@aws-sdk/client-secrets-manager'),
  ]);
  return new SecretsProvider({ awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient({})) });
});

async function resolveUri(config: MongoConfig): Promise<string> {
  if (config.uri) return config.uri;
  // In AWS the URI lives in Secrets Manager; Powertools caches it for maxAge seconds.
  const secret = await (await secrets()).get<string>(config.secretName!, { maxAge: 300 });
  if (!secret) throw new Error(`Secret ${config.secretName} holds no MongoDB connection string`);
  return secret.trim();
}

async function connect(): Promise<MongoClient> {
  const config = mongoConfig();
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(await resolveUri(config), {
    // Lambda runs one request at a time per container: a small pool protects the cluster's
    // connection budget when many containers run.
    maxPoolSize: config.maxPoolSize,
    serverSelectionTimeoutMS: config.serverSelectionTimeoutMS,
    // The copy's service name: the cluster's connection list says which copy holds what.
    appName: serviceName,
  });
  await client.connect();
  return client;
}

export function getMongoClient(): Promise<MongoClient> {
  connecting ??= connect().catch((error: unknown) => {
    connecting = undefined;
    logger.error('MongoDB connection failed', { error });
    throw error;
  });
  return connecting;
}

export async function getDb(): Promise<Db> {
  const client = await getMongoClient();
  return client.db(mongoConfig().dbName);
}

/** Closes the cached client (local runs and tests; Lambda containers just freeze). */
export async function closeMongoClient(): Promise<void> {
  const pending = connecting;
  connecting = undefined;
  if (pending) await (await pending.catch(() => undefined))?.close();
}
