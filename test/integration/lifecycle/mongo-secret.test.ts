import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

// In AWS the connection string comes from Secrets Manager (MONGODB_SECRET_NAME). No local
// Secrets Manager exists, so the SDK is mocked; the database behind the string is the real one.
const uri = process.env.MONGODB_URI!;
delete process.env.MONGODB_URI;
process.env.MONGODB_SECRET_NAME = 'code-service/mongodb-uri';
const secrets = mockClient(SecretsManagerClient);
const { closeMongoClient, getDb } = await import('../../../lib/mongo/client.ts');

afterAll(async () => {
  await closeMongoClient();
  secrets.restore();
  process.env.MONGODB_URI = uri;
});
beforeEach(async () => {
  await closeMongoClient();
  secrets.reset();
});

describe('the MongoDB connection string from Secrets Manager', () => {
  it('connects with the secret read once, kept for the next connections', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'code-service/mongodb-uri' })
      .resolves({ SecretString: ` ${uri}\n` });
    const db = await getDb();
    expect((await db.command({ ping: 1 })).ok).toBe(1);
    await closeMongoClient();
    await getDb();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fails loudly, naming the secret, when it holds no connection string; the failure is not kept', async () => {
    // A fresh container (new module state), since the previous test's read is kept for 5 minutes.
    const { vi } = await import('vitest');
    vi.resetModules();
    const fresh = await import('../../../lib/mongo/client.ts');
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: '  ' }).resolves({ SecretString: uri });
    await expect(fresh.getDb()).rejects.toThrow(
      'Secret code-service/mongodb-uri holds no MongoDB connection string',
    );
    await expect(fresh.getDb()).resolves.toBeDefined();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    await fresh.closeMongoClient();
  });
});
