import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface DataStackProps extends StackProps {
  /** Name of the existing Secrets Manager secret that holds the MongoDB connection string. */
  mongoSecretName: string;
  /** Name of the service's own EventBridge bus (contract §6b). */
  eventBusName: string;
}

/**
 * The stateful parts, kept apart from the service so the service stack can be replaced freely:
 * the codes bucket, the failure queues, the event bus, and a reference (by name) to the MongoDB secret,
 * which is created outside CDK so the connection string never appears in a template.
 */
export class DataStack extends Stack {
  /** Output ids the service stack reads the bucket from. */
  static readonly CODES_BUCKET_NAME_OUTPUT = 'CodesBucketName';
  static readonly CODES_BUCKET_ARN_OUTPUT = 'CodesBucketArn';

  readonly codesBucket: Bucket;
  readonly accessLogsBucket: Bucket;
  readonly importFailureQueue: Queue;
  readonly jobFailureQueue: Queue;
  readonly mongoSecret: ISecret;
  readonly eventBus: EventBus;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);

    // S3 server access logs of the codes bucket: who read or wrote which code file, and when.
    this.accessLogsBucket = new Bucket(this, 'CodesAccessLogsBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket holds the codes bucket access logs; logging its own access would loop.',
    });

    // Versioned: the importer reads exactly the object version an S3 event announced, even when the
    // same key is uploaded again before the import runs; every upload of a key gets its own import
    // record (the record id includes the version); an overwritten or deleted file can be recovered.
    // Old versions expire after 30 days so the bucket does not keep every CSV forever.
    this.codesBucket = new Bucket(this, 'CodesBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [
        { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(30) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      // Codes are customer data: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'codes-bucket/',
    });

    // Imports that failed every asynchronous retry land here (the importer's on-failure destination).
    this.importFailureQueue = this.failureQueue('ImportFailureQueue', "the importer's");
    // Exports and purges whose every attempt failed — crashes and timeouts included, which never
    // reach the job's record: it still says `running` (the job functions' on-failure destination).
    this.jobFailureQueue = this.failureQueue('JobFailureQueue', "the export and purge functions'");

    // The service's own bus (contract §6b): pool and import events; consumers add their rules to it.
    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: props.eventBusName });

    this.mongoSecret = Secret.fromSecretNameV2(this, 'MongoUriSecret', props.mongoSecretName);

    new CfnOutput(this, DataStack.CODES_BUCKET_ARN_OUTPUT, { value: this.codesBucket.bucketArn });
    new CfnOutput(this, DataStack.CODES_BUCKET_NAME_OUTPUT, {
      value: this.codesBucket.bucketName,
      description: 'Upload code files to s3://<this bucket>/codes/<campaignId>/<tm|external>/<name>.csv',
    });
    new CfnOutput(this, 'ImportFailureQueueUrl', { value: this.importFailureQueue.queueUrl });
    new CfnOutput(this, 'JobFailureQueueUrl', { value: this.jobFailureQueue.queueUrl });
    new CfnOutput(this, 'EventBusName', {
      value: this.eventBus.eventBusName,
      description: 'Pool Low / Pool Empty / Import Succeeded / Import Failed events (source code-service)',
    });
  }

  /** A dead-letter queue: the asynchronous invocations that failed every retry, kept 14 days. */
  private failureQueue(id: string, whose: string): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself ${whose} dead-letter queue (the on-failure destination).`,
    });
    return queue;
  }
}
