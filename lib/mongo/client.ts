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

/** How long a container keeps the connection string before reading the secret again (rotation). */
const SECRET_MAX_AGE_MS = 300_000;
let cachedSecret: { value: Promise<string>; readAt: number } | undefined;

/**
 * The Secrets Manager client, captured by the tracer (a subsegment per read) and loaded on first
 * use, not at cold start: a cold start that does not reach the database (a rejected request) does
 * not pay for it (test/bench/cold-start.bench.ts). The SDK is read directly rather than through
 * Powertools Parameters: Parameters imports the SDK client statically, and a single-file bundle
 * hoists that import of an external package to the top, so every function loaded the Secrets
 * Manager client (and the SDK's HTTP stack) at init — a dynamic import of the SDK stays dynamic.
 */
const secretsManager = lazy(async () => {
  const sdk = await import('@aws-sdk/client-secrets-manager');
  return { sdk, client: tracer.captureAWSv3Client(new sdk.SecretsManagerClient({})) };
});

async function readSecret(secretName: string): Promise<string> {
  const { sdk, client } = await secretsManager();
  const { SecretString } = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretName }));
  if (!SecretString?.trim()) throw new Error(`Secret ${secretName} holds no MongoDB connection string`);
  return SecretString.trim();
}

async function resolveUri(config: MongoConfig): Promise<string> {
  if (config.uri) return config.uri;
  // In AWS the URI lives in Secrets Manager, kept for SECRET_MAX_AGE_MS; a failed read is not kept.
  if (!cachedSecret || Date.now() - cachedSecret.readAt > SECRET_MAX_AGE_MS) {
    const value = readSecret(config.secretName!);
    cachedSecret = { value, readAt: Date.now() };
    value.catch(() => {
      if (cachedSecret?.value === value) cachedSecret = undefined;
    });
  }
  return cachedSecret.value;
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
