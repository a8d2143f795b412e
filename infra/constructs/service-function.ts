import { join } from 'node:path';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { esbuildConfig, functionBundling } from '../bundling.ts';
import type { Binding } from './bindings.ts';

/**
 * Metrics namespace every function reports under (contract §6). The service name — the `service`
 * dimension of every metric — is the copy's servicePrefix, so two copies never mix.
 */
export const METRICS_NAMESPACE = 'CodeService';

/**
 * Node.js 24 (LTS), the newest runtime aws-cdk-lib offers, and the one esbuild.config.mjs targets
 * (`node24`); keep the two in step.
 */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;
export const FUNCTION_ARCHITECTURE = Architecture.ARM_64;

export interface ServiceFunctionProps {
  /** Entry file relative to the project root (from infra/routes.ts FUNCTIONS). */
  entry: string;
  description: string;
  functionName: string;
  /** POWERTOOLS_SERVICE_NAME: the copy's servicePrefix. */
  serviceName: string;
  memorySize: number;
  timeout: Duration;
  logRetention: RetentionDays;
  reservedConcurrentExecutions: number;
}

/**
 * One Lambda function of the service with the house defaults: Node.js 24 on arm64, X-Ray active
 * tracing, its own log group with retention, source-mapped stack traces, Powertools environment,
 * and the project's esbuild options (local esbuild, never Docker).
 */
export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      // Logs may be needed after a teardown (incident review); they expire with the retention.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Its own role, without the AWSLambdaBasicExecutionRole managed policy (logs:* on every log
    // group of the account): it may write to its own log group only.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.functionName}: its log group and what its bindings grant`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    // Tracing.ACTIVE grants xray:PutTraceSegments and xray:PutTelemetryRecords on `*`.
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray (active tracing) has no resource-level permissions: its two write actions need Resource *.',
    });
    this.function = new NodejsFunction(this, 'Function', {
      role,
      entry: join(esbuildConfig.PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: esbuildConfig.PROJECT_ROOT,
      depsLockFilePath: join(esbuildConfig.PROJECT_ROOT, 'package-lock.json'),
      functionName: props.functionName,
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      bundling: functionBundling(),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Responses can hold up to 50 000 codes: too big for a trace, and codes do not belong there.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  }

  /** Gives the function a resource: the variables that locate it and the grants to use it, together. */
  bind(binding: Binding): this {
    for (const [name, value] of Object.entries(binding.environment))
      this.function.addEnvironment(name, value);
    for (const statement of binding.statements) this.function.addToRolePolicy(statement);
    for (const acknowledgement of binding.acknowledgements ?? [])
      Validations.of(this).acknowledge(acknowledgement);
    return this;
  }
}
