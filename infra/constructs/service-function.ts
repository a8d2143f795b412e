import { join } from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { esbuildConfig, functionBundling } from '../bundling.ts';
import type { Binding } from './bindings.ts';

/** Service name and metrics namespace every function reports under (contract §6). */
export const POWERTOOLS_SERVICE_NAME = 'code-service';
export const METRICS_NAMESPACE = 'CodeService';

/** Node.js 22 (LTS), the runtime esbuild.config.mjs targets (`node22`); keep the two in step. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_22_X;
export const FUNCTION_ARCHITECTURE = Architecture.ARM_64;

export interface ServiceFunctionProps {
  /** Entry file relative to the project root (from infra/routes.ts FUNCTIONS). */
  entry: string;
  description: string;
  functionName: string;
  memorySize: number;
  timeout: Duration;
  logRetention: RetentionDays;
  reservedConcurrentExecutions?: number;
}

/**
 * One Lambda function of the service with the house defaults: Node.js 22 on arm64, X-Ray active
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
    this.function = new NodejsFunction(this, 'Function', {
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
        POWERTOOLS_SERVICE_NAME,
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
    return this;
  }
}
