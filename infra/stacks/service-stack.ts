import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Bucket, EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ServiceConfig } from '../config.ts';
import { accessLogFormat } from '../constructs/access-log.ts';
import {
  authBinding,
  type Binding,
  codesBucketBinding,
  codesListingBinding,
  eventsBinding,
  exporterBinding,
  exportsReadBinding,
  exportsWriteBinding,
  importerBinding,
  mongoBinding,
  purgerBinding,
} from '../constructs/bindings.ts';
import { Monitoring } from '../constructs/monitoring.ts';
import { ServiceFunction } from '../constructs/service-function.ts';
import {
  EXPORTER_FUNCTION,
  FUNCTIONS,
  type FunctionId,
  IMPORT_TRIGGER,
  IMPORTER_FUNCTION,
  JOB_FUNCTIONS,
  POOL_SWEEP_FUNCTION,
  POOL_SWEEP_RATE_MINUTES,
  PURGER_FUNCTION,
  ROUTES,
  routeKey,
} from '../routes.ts';
import {
  checkConnectionBudget,
  FUNCTION_SETTINGS,
  kebabCase,
  type Need,
  reservedConcurrency,
} from './function-settings.ts';

export interface ServiceStackProps extends StackProps {
  config: ServiceConfig;
  /** From the data stack; referenced by name/ARN only, so the stacks have no dependency cycle. */
  codesBucket: { bucketName: string; bucketArn: string };
  importFailureQueue: IQueue;
  /** Where the export and purge invocations that failed every retry go. */
  jobFailureQueue: IQueue;
  mongoSecret: ISecret;
  /** The data stack's event bus (contract §6b), by name and ARN. */
  eventBus: { eventBusName: string; eventBusArn: string };
}

/**
 * The service: one Lambda per route plus the S3 importer, the HTTP API built from the shared route
 * table (infra/routes.ts) with the JWT authorizer on every route but `/heartbeat`, the S3 trigger,
 * least-privilege IAM, and the monitoring (dashboard, alarms, saved log queries).
 */
export class ServiceStack extends Stack {
  readonly functions: Record<FunctionId, NodejsFunction>;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Before anything is built: a configuration that could exhaust the cluster fails synth.
    checkConnectionBudget(config);

    // Imported rather than passed as the data stack's Bucket: the notification then lives in this
    // stack (as a custom resource) and the data stack never references the importer, so no cycle.
    const codesBucket = Bucket.fromBucketAttributes(this, 'CodesBucket', props.codesBucket);

    // Every function of the route table, each through the one construct.
    const built = {} as Record<FunctionId, ServiceFunction>;
    for (const functionId of Object.keys(FUNCTIONS) as FunctionId[]) {
      const settings = FUNCTION_SETTINGS[functionId];
      built[functionId] = new ServiceFunction(this, `${functionId[0]!.toUpperCase()}${functionId.slice(1)}`, {
        entry: FUNCTIONS[functionId].entry,
        description: FUNCTIONS[functionId].description,
        functionName: `${config.servicePrefix}-${kebabCase(functionId)}`,
        serviceName: config.servicePrefix,
        memorySize: settings.memory === 'importer' ? config.importer.memoryMb : config.apiMemoryMb,
        timeout: settings.timeout,
        logRetention: config.logRetention,
        reservedConcurrentExecutions: reservedConcurrency(functionId, config),
      });
    }
    this.functions = Object.fromEntries(
      Object.entries(built).map(([functionId, construct]) => [functionId, construct.function]),
    ) as Record<FunctionId, NodejsFunction>;
    const importer = this.functions[IMPORTER_FUNCTION];

    // Each need of a function (function-settings.ts) is one binding: its variables and grants
    // together. Made per function, so no policy statement object is shared between two roles.
    const bindings: Record<Need, () => Binding> = {
      mongo: () => mongoBinding(props.mongoSecret, config.mongo),
      auth: () => authBinding(config.auth),
      codesBucket: () => codesBucketBinding(codesBucket),
      codesListing: () => codesListingBinding(codesBucket),
      importer: () => importerBinding(importer, config.importer.waitMs),
      events: () => eventsBinding(props.eventBus),
      exporter: () => exporterBinding(this.functions[EXPORTER_FUNCTION]),
      exportsWrite: () => exportsWriteBinding(codesBucket),
      exportsRead: () => exportsReadBinding(codesBucket),
      purger: () => purgerBinding(this.functions[PURGER_FUNCTION]),
    };
    for (const functionId of Object.keys(FUNCTIONS) as FunctionId[]) {
      for (const need of FUNCTION_SETTINGS[functionId].needs) built[functionId].bind(bindings[need]());
    }

    // S3 → importer. OBJECT_CREATED is `s3:ObjectCreated:*`: Put, Post, Copy and
    // CompleteMultipartUpload (large CSVs arrive as multipart uploads).
    codesBucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(importer), {
      prefix: IMPORT_TRIGGER.prefix,
      suffix: IMPORT_TRIGGER.suffix,
    });
    // The notification is a custom resource whose handler CDK creates (one per stack) with the
    // managed basic execution role; CDK offers no way to give it another.
    for (const child of this.node.children) {
      if (child.node.id.startsWith('BucketNotificationsHandler')) {
        Validations.of(child).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: "CDK's own S3 notifications handler (deploy-time only); its role cannot be replaced.",
        });
      }
    }
    // S3 and the upload route invoke the importer asynchronously: Lambda retries a failed import
    // twice (the importer resumes it idempotently), then parks the event in the failure queue.
    importer.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(props.importFailureQueue),
    });

    // The low-stock sweep (contract §6b), off the request path. No retry: the next run is a minute away.
    new Rule(this, 'PoolSweepSchedule', {
      description: 'Runs the low-stock sweep (Pool Low / Pool Empty events)',
      schedule: Schedule.rate(Duration.minutes(POOL_SWEEP_RATE_MINUTES)),
      targets: [new LambdaFunction(this.functions[POOL_SWEEP_FUNCTION], { retryAttempts: 0 })],
    });

    // The export and purge functions are started by their routes' asynchronous Invoke: Lambda
    // retries a failed job twice (an export starts over, a purge resumes), then parks the event in
    // the job failure queue (alarmed): a job that crashed or timed out never marked its record.
    for (const worker of JOB_FUNCTIONS) {
      this.functions[worker].configureAsyncInvoke({
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        onFailure: new SqsDestination(props.jobFailureQueue),
      });
    }

    // The stage's access log (one JSON line per request), in its own log group.
    this.accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: config.logRetention,
      // Like the functions' logs: kept after a teardown for incident review, until they expire.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const api = this.buildApi(config, this.accessLogs);
    this.httpApi = api.httpApi;
    this.stage = api.stage;

    const monitoring = new Monitoring(this, 'Monitoring', {
      servicePrefix: config.servicePrefix,
      httpApi: this.httpApi,
      stage: this.stage,
      routes: ROUTES,
      functions: built,
      importFailureQueue: props.importFailureQueue,
      jobFailureQueue: props.jobFailureQueue,
      accessLogs: this.accessLogs,
      api5xxAlarmPercent: config.api5xxAlarmPercent,
      alarmEmail: config.alarmEmail,
      apiLatencyP99Ms: config.alarms.apiLatencyP99Ms,
      // The upload route waits for its import up to importWaitMs by design.
      importWaitMs: config.importer.waitMs,
      authDeniedCount: config.alarms.authDeniedCount,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'ImporterFunctionName', { value: importer.functionName });
    new CfnOutput(this, 'DashboardName', { value: monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'AlarmTopicArn', { value: monitoring.alarmTopic.topicArn });
  }

  private buildApi(config: ServiceConfig, accessLogs: LogGroup): { httpApi: HttpApi; stage: HttpStage } {
    const httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${config.servicePrefix}-api`,
      description: 'Code service HTTP API (contract §4)',
      // Our own $default stage below carries throttling and per-route metrics.
      createDefaultStage: false,
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.throttle.rateLimit, burstLimit: config.throttle.burstLimit },
      // Route-level Count/4xx/5xx/Latency metrics for the dashboard.
      detailedMetricsEnabled: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: accessLogFormat(config.servicePrefix),
      },
    });

    const authorizer = new HttpLambdaAuthorizer('JwtAuthorizer', this.functions.authorizer, {
      authorizerName: 'jwt',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      // Decisions are cached per Authorization header, i.e. per token.
      resultsCacheTtl: Duration.seconds(config.authorizerCacheTtlSeconds),
    });
    const noAuth = new HttpNoneAuthorizer();

    const integrations = new Map<FunctionId, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      // `/dev/*` (local token minting) exists only in the local gateway; never deploy it.
      if (route.path === '/dev' || route.path.startsWith('/dev/')) {
        throw new Error(`Route ${routeKey(route)} is local-only and must not be deployed`);
      }
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${route.function}Integration`,
          this.functions[route.function],
        );
        integrations.set(route.function, integration);
      }
      const routeAuthorizer: IHttpRouteAuthorizer = route.authorized ? authorizer : noAuth;
      const added = httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer: routeAuthorizer,
      });
      if (!route.authorized) {
        for (const publicRoute of added) {
          Validations.of(publicRoute).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: `${routeKey(route)} is public by design (contract §3, §4): it reveals no data.`,
          });
        }
      }
    }
    return { httpApi, stage };
  }
}
