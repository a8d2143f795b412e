import { Annotations, type App, Aws, Fn, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readServiceConfig } from '../config.ts';
import { DataStack } from './data-stack.ts';
import { ServiceStack } from './service-stack.ts';

export interface CodeServiceStacks {
  data: DataStack;
  service: ServiceStack;
}

/**
 * Defines the two stacks of the service in an app. Both are environment-agnostic (no account or
 * region, no lookups), so `cdk synth` works offline without credentials; the deploy target comes
 * from the AWS profile/region the CLI runs with.
 */
export function defineStacks(app: App): CodeServiceStacks {
  const config = readServiceConfig(app.node);
  // cdk-nag's AWS Solutions rules run on every synth (and in test/infra): a violation fails it,
  // unless acknowledged with a reason where the resource is defined.
  // Acknowledgements are also written into the templates' Metadata (`cdk_nag`), an audit trail.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  const data = new DataStack(app, `${config.servicePrefix}-data`, {
    description: 'Code service: codes bucket, import failure queue, event bus, MongoDB secret reference',
    mongoSecretName: config.mongo.secretName,
    eventBusName: `${config.servicePrefix}-events`,
  });
  const service = new ServiceStack(app, config.servicePrefix, {
    description: 'Code service: HTTP API, Lambda functions, S3 importer, dashboard and alarms',
    config,
    // Read from the data stack's named outputs (what CDK's weak references do too), so the grants
    // on the bucket are the same text at construction and in the template: cdk-nag's findings on
    // them can be acknowledged exactly, beside the grant (infra/constructs/bindings.ts).
    codesBucket: {
      bucketName: Fn.getStackOutput(data.stackName, DataStack.CODES_BUCKET_NAME_OUTPUT, Aws.REGION),
      bucketArn: Fn.getStackOutput(data.stackName, DataStack.CODES_BUCKET_ARN_OUTPUT, Aws.REGION),
    },
    importFailureQueue: data.importFailureQueue,
    jobFailureQueue: data.jobFailureQueue,
    mongoSecret: data.mongoSecret,
    eventBus: { eventBusName: data.eventBus.eventBusName, eventBusArn: data.eventBus.eventBusArn },
  });
  service.addStackDependency(data);
  Tags.of(app).add('service', config.servicePrefix);
  if (config.placeholderAuth) {
    Annotations.of(service).addWarningV2(
      'code-service:placeholderAuth',
      'issuer/jwksUri are the example.com placeholders: the authorizer will reject every token. ' +
        'Deploy with -c issuer=... -c audience=... -c jwksUri=...',
    );
  }
  return { data, service };
}
