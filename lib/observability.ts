import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one logger, metrics and tracer instance shared by every function (Powertools). Service name
 * and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, set by the CDK
 * construct; the defaults keep local runs and tests identical to AWS.
 */
export const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'code-service';

export const logger = new Logger({ serviceName });
// No campaign dimension anywhere: campaign ids are unbounded and would explode metric cardinality.
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CodeService',
  // Metrics' own diagnostics go through our structured logger. Below ERROR they are only "no
  // application metrics to publish", printed on every call of a function that emits none
  // (heartbeat, count, the authorizer): noise, not news.
  logger: logger.createChild({ logLevel: 'ERROR' }),
});
export const tracer = new Tracer({ serviceName });

export { MetricName } from './metric-names.ts';
export { MetricUnit };
