import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { LogLevel, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { esbuildConfig, toNodejsBundling } from '../../infra/bundling.ts';
import { CONTEXT_DEFAULTS, ContextError, readServiceConfig } from '../../infra/config.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  app: string;
  context: Record<string, unknown>;
};

const configWith = (context: Record<string, unknown>) => readServiceConfig(new App({ context }).node);

describe('CDK context (infra/config.ts)', () => {
  it('cdk.json states exactly the documented defaults', () => {
    const ours = Object.fromEntries(Object.keys(CONTEXT_DEFAULTS).map((key) => [key, cdkJson.context[key]]));
    expect(ours).toEqual(CONTEXT_DEFAULTS);
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
  });

  it('falls back to the defaults when no context is given', () => {
    const config = configWith({});
    expect(config).toEqual({
      servicePrefix: 'code-service',
      auth: {
        issuer: 'https://auth.example.com/',
        audience: 'code-service',
        jwksUri: 'https://auth.example.com/.well-known/jwks.json',
      },
      mongo: {
        secretName: 'code-service/mongodb-uri',
        dbName: undefined,
        maxPoolSize: 5,
        maxConnections: 1500,
      },
      throttle: { rateLimit: 200, burstLimit: 400 },
      authorizerCacheTtlSeconds: 300,
      apiMemoryMb: 512,
      concurrency: { api: 20, authorizer: 50, operator: 5, job: 2 },
      importer: { memoryMb: 1024, concurrency: 5, waitMs: 25_000 },
      logRetention: RetentionDays.ONE_MONTH,
      api5xxAlarmPercent: 1,
      alarmEmail: undefined,
      alarms: { apiLatencyP99Ms: 3000, authDeniedCount: 100 },
      placeholderAuth: true,
    });
  });

  it('coerces `-c key=value` strings', () => {
    const config = configWith({
      issuer: 'https://issuer.test/',
      jwksUri: 'https://issuer.test/jwks.json',
      mongoDbName: 'codes',
      throttleRateLimit: '50',
      throttleBurstLimit: '80',
      importerMemoryMb: '2048',
      logRetentionDays: '90',
      alarmEmail: 'ops@example.org',
    });
    expect(config.throttle).toEqual({ rateLimit: 50, burstLimit: 80 });
    expect(config.importer.memoryMb).toBe(2048);
    expect(config.mongo.dbName).toBe('codes');
    expect(config.logRetention).toBe(RetentionDays.THREE_MONTHS);
    expect(config.alarmEmail).toBe('ops@example.org');
    expect(config.placeholderAuth).toBe(false);
  });

  it('rejects invalid values and names the key', () => {
    expect(() => configWith({ logRetentionDays: '31' })).toThrow(ContextError);
    expect(() => configWith({ logRetentionDays: '31' })).toThrow(/-c logRetentionDays/);
    expect(() => configWith({ jwksUri: 'not a url' })).toThrow(/-c jwksUri/);
    expect(() => configWith({ importWaitMs: '30000' })).toThrow(/-c importWaitMs/);
    expect(() => configWith({ throttleRateLimit: '500', throttleBurstLimit: '100' })).toThrow(
      /throttleBurstLimit/,
    );
  });
});

describe('bundling options (infra/bundling.ts)', () => {
  it('translates the shared esbuild options one to one', () => {
    expect(toNodejsBundling(esbuildConfig.sharedBuildOptions)).toEqual({
      format: OutputFormat.ESM,
      target: 'node24',
      minify: true,
      sourceMap: true,
      sourceMapMode: SourceMapMode.DEFAULT,
      sourcesContent: false,
      mainFields: ['module', 'main'],
      banner: esbuildConfig.sharedBuildOptions.banner?.js,
      externalModules: [
        '@aws-sdk/*',
        'kerberos',
        '@mongodb-js/zstd',
        'snappy',
        'socks',
        'gcp-metadata',
        'mongodb-client-encryption',
        '@aws-sdk/credential-providers',
      ],
      esbuildArgs: { '--legal-comments': 'none' },
      logLevel: LogLevel.WARNING,
    });
  });

  it('refuses an option it cannot carry over to NodejsFunction', () => {
    expect(() => toNodejsBundling({ ...esbuildConfig.sharedBuildOptions, splitting: true })).toThrow(
      /option splitting=true has no NodejsFunction equivalent/,
    );
    expect(() => toNodejsBundling({ platform: 'browser' })).toThrow(/platform="browser"/);
  });
});
