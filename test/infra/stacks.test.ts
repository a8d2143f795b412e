import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildConfig } from '../../infra/bundling.ts';
import {
  EXPORTER_FUNCTION,
  FUNCTIONS,
  type FunctionId,
  IMPORTER_FUNCTION,
  JOB_FUNCTIONS,
  ROUTES,
  routeKey,
} from '../../infra/routes.ts';
import { kebabCase } from '../../infra/stacks/function-settings.ts';
import { defineStacks } from '../../infra/stacks/index.ts';
import { MetricName } from '../../lib/metric-names.ts';

// One synthesis (with real esbuild bundling) shared by every test of this file, using the context
// of cdk.json exactly as `npm run synth` does.
const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
  DeletionPolicy?: string;
}
interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

let outdir: string;
let service: Template;
let data: Template;
let serviceJson: { Resources: Record<string, Resource> };
let dataJson: { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> };
let dependencies: string[];

const functionIds = Object.keys(FUNCTIONS) as FunctionId[];
const resourcesOf = (template: { Resources: Record<string, Resource> }, type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
const logicalIdOf = (template: { Resources: Record<string, Resource> }, type: string) => {
  const found = resourcesOf(template, type);
  expect(found).toHaveLength(1);
  return found[0]![0];
};

/** FunctionId → logical id of its AWS::Lambda::Function (named `code-service-<kebab id>`). */
const functionLogicalIds = () =>
  Object.fromEntries(
    functionIds.map((functionId) => {
      const match = resourcesOf(serviceJson, 'AWS::Lambda::Function').find(
        ([, fn]) => fn.Properties.FunctionName === `code-service-${kebabCase(functionId)}`,
      );
      if (!match) throw new Error(`no function for ${functionId}`);
      return [functionId, match[0]];
    }),
  ) as Record<FunctionId, string>;

const actionsOf = (statement: Statement) =>
  statement.Action === undefined
    ? []
    : Array.isArray(statement.Action)
      ? statement.Action
      : [statement.Action];

/** Every policy statement anywhere in a template (identity and resource policies alike). */
function allStatements(node: unknown, found: Statement[] = []): Statement[] {
  if (Array.isArray(node)) for (const item of node) allStatements(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Statement' && Array.isArray(value)) found.push(...(value as Statement[]));
      else allStatements(value, found);
    }
  }
  return found;
}

/** The dashboard body with CloudFormation tokens replaced by `<token>`. */
function dashboardBody(): string {
  const [, dashboard] = resourcesOf(serviceJson, 'AWS::CloudWatch::Dashboard')[0]!;
  const body = dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  return body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<token>')).join('');
}

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'code-service-cdk-'));
  const app = new App({ context: cdkJson.context, outdir });
  const stacks = defineStacks(app);
  const assembly = app.synth();
  service = Template.fromStack(stacks.service);
  data = Template.fromStack(stacks.data);
  serviceJson = service.toJSON() as typeof serviceJson;
  dataJson = data.toJSON() as typeof dataJson;
  dependencies = assembly
    .getStackArtifact(stacks.service.artifactId)
    .dependencies.map((d) => d.id)
    .filter((id) => !id.endsWith('.assets'));
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('stacks', () => {
  it('are two, the service depending on the data stack (no cycle)', () => {
    expect(dependencies).toEqual(['code-service-data']);
  });

  it('hold no MongoDB connection string and create no secret', () => {
    for (const template of [serviceJson, dataJson]) {
      expect(JSON.stringify(template)).not.toMatch(/mongodb(\+srv)?:\/\//);
      expect(resourcesOf(template, 'AWS::SecretsManager::Secret')).toHaveLength(0);
    }
  });
});

describe('HTTP API', () => {
  it('has exactly the routes of the route table, each on its function', () => {
    const routes = resourcesOf(serviceJson, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(routes.sort()).toEqual(ROUTES.map(routeKey).sort());
    expect(routes.some((key) => String(key).includes(' /dev'))).toBe(false);

    const ids = functionLogicalIds();
    for (const route of ROUTES) {
      const [, routeResource] = resourcesOf(serviceJson, 'AWS::ApiGatewayV2::Route').find(
        ([, r]) => r.Properties.RouteKey === routeKey(route),
      )!;
      const target = JSON.stringify(routeResource.Properties.Target);
      const integrationId = /"Ref":"([^"]+)"/.exec(target)![1]!;
      expect(serviceJson.Resources[integrationId]!.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [ids[route.function], 'Arn'] },
      });
    }
  });

  it('guards every route but GET /heartbeat with the JWT Lambda authorizer', () => {
    const authorizerId = logicalIdOf(serviceJson, 'AWS::ApiGatewayV2::Authorizer');
    for (const route of ROUTES) {
      const expected =
        route.path === '/heartbeat'
          ? { RouteKey: 'GET /heartbeat', AuthorizationType: 'NONE', AuthorizerId: Match.absent() }
          : { RouteKey: routeKey(route), AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } };
      service.hasResourceProperties('AWS::ApiGatewayV2::Route', expected);
    }
    expect(ROUTES.filter((route) => !route.authorized).map(routeKey)).toEqual(['GET /heartbeat']);
  });

  it('authorizes with simple responses, cached per Authorization header', () => {
    const ids = functionLogicalIds();
    service.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 300,
      AuthorizerUri: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [ids.authorizer, 'Arn'] }])] },
    });
  });

  it('has one $default stage with throttling and route-level metrics', () => {
    service.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    service.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: 200,
        ThrottlingBurstLimit: 400,
        DetailedMetricsEnabled: true,
      },
    });
  });
});

describe('functions', () => {
  it('are one per entry of the route table, with runtime, arm64, tracing, memory and timeout', () => {
    const ids = functionLogicalIds();
    const timeouts: Record<FunctionId, number> = {
      authorizer: 10,
      heartbeat: 10,
      upload: 29,
      count: 29,
      reserve: 29,
      assign: 29,
      release: 29,
      getImport: 29,
      importS3: 900,
      startExport: 29,
      getExport: 29,
      exportCodes: 900,
      startPurge: 29,
      getPurge: 29,
      purgeCodes: 900,
    };
    for (const functionId of functionIds) {
      const fn = serviceJson.Resources[ids[functionId]]!.Properties;
      const major = Number(/^nodejs(\d+)\.x$/.exec(String(fn.Runtime))?.[1]);
      expect(major, functionId).toBeGreaterThanOrEqual(22);
      expect(fn, functionId).toMatchObject({
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        MemorySize: functionId === IMPORTER_FUNCTION || functionId === EXPORTER_FUNCTION ? 1024 : 512,
        Timeout: timeouts[functionId],
      });
      expect(fn.ReservedConcurrentExecutions, functionId).toBe(
        functionId === IMPORTER_FUNCTION ? 5 : undefined,
      );
      // Its own log group, with retention.
      const logGroupId = (fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(serviceJson.Resources[logGroupId]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
      });
    }
  });

  it('carry the Powertools environment and exactly the variables they need', () => {
    const ids = functionLogicalIds();
    const env = (functionId: FunctionId) =>
      (serviceJson.Resources[ids[functionId]]!.Properties.Environment as { Variables: Json }).Variables;
    const shared = {
      POWERTOOLS_SERVICE_NAME: 'code-service',
      POWERTOOLS_METRICS_NAMESPACE: 'CodeService',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      NODE_OPTIONS: '--enable-source-maps',
    };
    const mongo = { MONGODB_SECRET_NAME: 'code-service/mongodb-uri', MONGODB_MAX_POOL_SIZE: '5' };
    const bucketName = { BUCKET_NAME: Match.objectLike({ 'Fn::GetStackOutput': Match.anyValue() }) };
    expect(env('authorizer')).toEqual({
      ...shared,
      JWT_ISSUER: 'https://auth.example.com/',
      JWT_AUDIENCE: 'code-service',
      JWKS_URI: 'https://auth.example.com/.well-known/jwks.json',
    });
    for (const functionId of ['heartbeat', 'count', 'reserve', 'assign', 'release', 'getImport'] as const) {
      expect(env(functionId), functionId).toEqual({ ...shared, ...mongo });
    }
    service.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'code-service-upload',
      Environment: {
        Variables: {
          ...shared,
          ...mongo,
          ...bucketName,
          IMPORT_FUNCTION_NAME: { Ref: ids.importS3 },
          IMPORT_WAIT_MS: '25000',
        },
      },
    });
    expect(env('startExport')).toEqual({
      ...shared,
      ...mongo,
      EXPORT_FUNCTION_NAME: { Ref: ids.exportCodes },
    });
    expect(env('getExport')).toEqual({ ...shared, ...mongo });
    expect(env('startPurge')).toEqual({ ...shared, ...mongo, PURGE_FUNCTION_NAME: { Ref: ids.purgeCodes } });
    for (const functionId of ['getPurge', 'purgeCodes'] as const) {
      expect(env(functionId), functionId).toEqual({ ...shared, ...mongo });
    }
    service.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'code-service-export-codes',
      Environment: { Variables: { ...shared, ...mongo, ...bucketName } },
    });
    service.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'code-service-import-s3',
      Environment: { Variables: { ...shared, ...mongo, ...bucketName } },
    });
  });

  it('are bundled with exactly the options of esbuild.config.mjs (byte-identical), within budget', async () => {
    const ids = functionLogicalIds();
    const direct = await esbuildConfig.bundleFunctions({
      outDir: join(outdir, 'direct'),
      entries: functionIds.map((functionId) => join(esbuildConfig.PROJECT_ROOT, FUNCTIONS[functionId].entry)),
    });
    for (const [index, functionId] of functionIds.entries()) {
      const code = serviceJson.Resources[ids[functionId]]!.Properties.Code as { S3Key: string };
      const assetDir = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      const deployed = readFileSync(join(assetDir, 'index.mjs'));
      expect(deployed.equals(readFileSync(direct[index]!.file)), functionId).toBe(true);
      expect(readFileSync(join(assetDir, 'index.mjs.map')).length, functionId).toBeGreaterThan(0);
      // The 1.2 MB budget (figures: test/bench/bundle-size.bench.ts). A typical way to break it:
      // `import { z } from 'zod'` defeats esbuild's tree shaking (+0.35 MB); use `import * as z`.
      expect(deployed.length, functionId).toBeLessThanOrEqual(esbuildConfig.BUNDLE_SIZE_TARGET_BYTES);
    }
  });
});

describe('S3 import trigger', () => {
  it('sends every ObjectCreated event (multipart included) under codes/ *.csv to the importer', () => {
    const ids = functionLogicalIds();
    service.hasResourceProperties('Custom::S3BucketNotifications', {
      Managed: false, // the bucket lives in the data stack: other notifications on it are kept
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: Match.arrayEquals([
                  { Name: 'suffix', Value: '.csv' },
                  { Name: 'prefix', Value: 'codes/' },
                ]),
              },
            },
            LambdaFunctionArn: { 'Fn::GetAtt': [ids.importS3, 'Arn'] },
          },
        ],
      },
    });
    service.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [ids.importS3, 'Arn'] },
    });
  });

  it('retries failed imports twice, then sends them to the data stack failure queue', () => {
    const ids = functionLogicalIds();
    const configs = resourcesOf(serviceJson, 'AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(1 + JOB_FUNCTIONS.length);
    const [, config] = configs.find(
      ([, candidate]) =>
        JSON.stringify(candidate.Properties.FunctionName) === JSON.stringify({ Ref: ids.importS3 }),
    )!;
    expect(config.Properties).toMatchObject({
      FunctionName: { Ref: ids.importS3 },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
    });
    const destination = (config.Properties.DestinationConfig as { OnFailure: { Destination: Json } })
      .OnFailure.Destination as { 'Fn::GetStackOutput': { StackName: string; OutputName: string } };
    expect(destination['Fn::GetStackOutput'].StackName).toBe('code-service-data');
    const queueId = logicalIdOf(dataJson, 'AWS::SQS::Queue');
    expect(dataJson.Outputs[destination['Fn::GetStackOutput'].OutputName]!.Value).toEqual({
      'Fn::GetAtt': [queueId, 'Arn'],
    });
  });
});

describe('export and purge functions', () => {
  it('are retried twice by Lambda when a job fails (their records say why)', () => {
    const ids = functionLogicalIds();
    for (const functionId of JOB_FUNCTIONS) {
      service.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: ids[functionId] },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21_600,
      });
    }
  });
});

describe('data stack', () => {
  it('has an encrypted, private, TLS-only, versioned codes bucket that is retained', () => {
    const [bucketId, bucket] = resourcesOf(dataJson, 'AWS::S3::Bucket')[0]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    data.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('has an encrypted failure queue keeping messages 14 days', () => {
    data.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
  });
});

describe('IAM', () => {
  it('grants no wildcard action in any policy of either stack', () => {
    for (const template of [serviceJson, dataJson]) {
      for (const statement of allStatements(template)) {
        expect(statement.NotAction, JSON.stringify(statement)).toBeUndefined();
        const wildcards = actionsOf(statement).filter((action) => action.includes('*'));
        if (statement.Effect === 'Allow') expect(wildcards, JSON.stringify(statement)).toEqual([]);
        // The only wildcard allowed is a Deny that enforces TLS on the bucket and the queue.
        else if (wildcards.length > 0) {
          expect(statement.Condition, JSON.stringify(statement)).toEqual({
            Bool: { 'aws:SecureTransport': 'false' },
          });
        }
      }
    }
    // Managed policies are not in the template: only the basic execution role (CloudWatch Logs) is used.
    for (const [, role] of resourcesOf(serviceJson, 'AWS::IAM::Role')) {
      expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toMatch(
        /service-role\/AWSLambdaBasicExecutionRole/,
      );
      expect(role.Properties.ManagedPolicyArns).toHaveLength(1);
    }
  });

  it('gives each function exactly the actions it needs', () => {
    const ids = functionLogicalIds();
    const roleOf = (functionId: FunctionId) =>
      (serviceJson.Resources[ids[functionId]]!.Properties.Role as { 'Fn::GetAtt': [string, string] })[
        'Fn::GetAtt'
      ][0];
    const statementsOf = (functionId: FunctionId) =>
      resourcesOf(serviceJson, 'AWS::IAM::Policy')
        .filter(
          ([, policy]) =>
            JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleOf(functionId) }]),
        )
        .flatMap(([, policy]) => allStatements(policy.Properties));
    const actions = (functionId: FunctionId) => statementsOf(functionId).flatMap(actionsOf).sort();

    const xray = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    const secret = ['secretsmanager:GetSecretValue'];
    const readCodes = ['s3:GetObject', 's3:GetObjectVersion'];
    expect(actions('authorizer')).toEqual([...xray].sort());
    for (const functionId of ['heartbeat', 'count', 'reserve', 'assign', 'release', 'getImport'] as const) {
      expect(actions(functionId), functionId).toEqual([...xray, ...secret].sort());
    }
    expect(actions('upload')).toEqual(
      [...xray, ...secret, ...readCodes, 's3:ListBucket', 'lambda:InvokeFunction'].sort(),
    );
    expect(actions('importS3')).toEqual(
      [
        ...xray,
        ...secret,
        ...readCodes,
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );

    for (const functionId of ['upload', 'importS3'] as const) {
      const read = statementsOf(functionId).find((s) => actionsOf(s).includes('s3:GetObject'))!;
      expect(JSON.stringify(read.Resource), functionId).toMatch(/"\/codes\/\*"\]\]\}$/);
      const secretRead = statementsOf(functionId).find((s) =>
        actionsOf(s).includes('secretsmanager:GetSecretValue'),
      )!;
      expect(JSON.stringify(secretRead.Resource)).toContain(':secret:code-service/mongodb-uri-??????');
    }
    const invoke = statementsOf('upload').find((s) => actionsOf(s).includes('lambda:InvokeFunction'))!;
    expect(invoke.Resource).toEqual({ 'Fn::GetAtt': [ids.importS3, 'Arn'] });

    // Exports: route 12 only starts the export function, route 13 only reads (pre-signs) export
    // files, the export function only writes them — all on exports/* and nothing else.
    expect(actions('startExport')).toEqual([...xray, ...secret, 'lambda:InvokeFunction'].sort());
    const startInvoke = statementsOf('startExport').find((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    )!;
    expect(startInvoke.Resource).toEqual({ 'Fn::GetAtt': [ids.exportCodes, 'Arn'] });
    expect(actions('getExport')).toEqual([...xray, ...secret, 's3:GetObject'].sort());
    expect(actions('exportCodes')).toEqual(
      [...xray, ...secret, 's3:AbortMultipartUpload', 's3:PutObject'].sort(),
    );
    // Purges: route 14 only starts the purge function; the purge function only needs the database.
    expect(actions('startPurge')).toEqual([...xray, ...secret, 'lambda:InvokeFunction'].sort());
    const purgeInvoke = statementsOf('startPurge').find((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    )!;
    expect(purgeInvoke.Resource).toEqual({ 'Fn::GetAtt': [ids.purgeCodes, 'Arn'] });
    for (const functionId of ['getPurge', 'purgeCodes'] as const) {
      expect(actions(functionId), functionId).toEqual([...xray, ...secret].sort());
    }
    for (const [functionId, action] of [
      ['getExport', 's3:GetObject'],
      ['exportCodes', 's3:PutObject'],
    ] as const) {
      const statement = statementsOf(functionId).find((s) => actionsOf(s).includes(action))!;
      expect(JSON.stringify(statement.Resource), functionId).toMatch(/"\/exports\/\*"\]\]\}$/);
    }
  });
});

describe('monitoring', () => {
  it('charts every contract §6 metric with the dimension Powertools emits (service=code-service)', () => {
    const body = dashboardBody();
    for (const name of Object.values(MetricName)) {
      expect(body, name).toContain(`["CodeService","${name}","service","code-service"`);
    }
    expect(body).toContain('"AWS/SQS","ApproximateNumberOfMessagesVisible"');
  });

  it('charts requests, 4xx, 5xx and latency per route', () => {
    const body = dashboardBody();
    for (const metric of ['Count', '4xx', '5xx', 'Latency']) {
      for (const route of ROUTES) {
        expect(body, `${metric} ${routeKey(route)}`).toContain(
          `["AWS/ApiGateway","${metric}","ApiId","<token>","Method","${route.method}","Resource","${route.path}","Stage","$default"`,
        );
      }
    }
  });

  it('charts errors, duration and throttles of every function', () => {
    const body = dashboardBody();
    for (const metric of ['Errors', 'Duration', 'Throttles']) {
      for (const functionId of functionIds) {
        expect(body, `${metric} ${functionId}`).toMatch(
          new RegExp(`\\["AWS/Lambda","${metric}","FunctionName","<token>",\\{"label":"${functionId}"`),
        );
      }
    }
  });

  it('alarms on import failures, the failure queue and the API 5xx rate, to one topic', () => {
    const topicId = logicalIdOf(serviceJson, 'AWS::SNS::Topic');
    const alarms = Object.fromEntries(
      resourcesOf(serviceJson, 'AWS::CloudWatch::Alarm').map(([, alarm]) => [
        alarm.Properties.AlarmName,
        alarm.Properties,
      ]),
    ) as Record<string, Json>;
    expect(Object.keys(alarms).sort()).toEqual([
      'code-service-api-5xx-rate',
      'code-service-import-failed',
      'code-service-import-failure-queue',
      'code-service-importer-errors',
    ]);
    for (const alarm of Object.values(alarms)) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(alarms['code-service-import-failed']).toMatchObject({
      Namespace: 'CodeService',
      MetricName: 'ImportFailed',
      Dimensions: [{ Name: 'service', Value: 'code-service' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarms['code-service-import-failure-queue']).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
    expect(alarms['code-service-api-5xx-rate']).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Metrics: expect.arrayContaining([
        expect.objectContaining({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)' }),
        expect.objectContaining({
          Id: 'errors',
          MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ MetricName: '5xx' }) }),
        }),
        expect.objectContaining({
          Id: 'requests',
          MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ MetricName: 'Count' }) }),
        }),
      ]),
    });
  });

  it('saves the three Logs Insights queries over every function log group', () => {
    const queries = Object.fromEntries(
      resourcesOf(serviceJson, 'AWS::Logs::QueryDefinition').map(([, q]) => [
        q.Properties.Name,
        q.Properties,
      ]),
    ) as Record<string, Json>;
    expect(Object.keys(queries).sort()).toEqual([
      'code-service/errors-by-operation',
      'code-service/request-by-correlation-id',
      'code-service/slow-database-calls',
    ]);
    const logGroups = resourcesOf(serviceJson, 'AWS::Logs::LogGroup').map(([id]) => ({ Ref: id }));
    expect(logGroups).toHaveLength(functionIds.length);
    for (const query of Object.values(queries)) expect(query.LogGroupNames).toEqual(logGroups);
    expect(queries['code-service/request-by-correlation-id']!.QueryString).toContain(
      '| filter correlation_id = "PASTE-CORRELATION-ID"',
    );
    expect(queries['code-service/slow-database-calls']!.QueryString).toContain(
      '| filter message = "Slow database call"',
    );
    expect(queries['code-service/errors-by-operation']!.QueryString).toContain(
      '| stats count(*) as errors by operation',
    );
  });
});
