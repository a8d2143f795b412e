import { Duration } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { QueryDefinition, QueryString } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MetricName } from '../../lib/metric-names.ts';
import { type FunctionId, type Route, routeKey } from '../routes.ts';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME, type ServiceFunction } from './service-function.ts';

const PERIOD = Duration.minutes(5);

type ServicePanel =
  | 'importThroughput'
  | 'importDuration'
  | 'importFailures'
  | 'reservations'
  | 'assignments'
  | 'jobCodes'
  | 'jobFailures';

/**
 * Where each service metric of contract §6 is shown and with which statistic. Keyed by MetricName, so a
 * metric added to lib/metric-names.ts does not compile until it has a place on the dashboard.
 */
const SERVICE_METRIC_PANELS: Record<MetricName, { panel: ServicePanel; statistics: readonly string[] }> = {
  CodesImported: { panel: 'importThroughput', statistics: [Stats.SUM] },
  CodesInserted: { panel: 'importThroughput', statistics: [Stats.SUM] },
  CodesUpdated: { panel: 'importThroughput', statistics: [Stats.SUM] },
  CodesRejected: { panel: 'importThroughput', statistics: [Stats.SUM] },
  ImportDuration: { panel: 'importDuration', statistics: [Stats.AVERAGE, Stats.MAXIMUM] },
  ImportFailed: { panel: 'importFailures', statistics: [Stats.SUM] },
  CodesReserved: { panel: 'reservations', statistics: [Stats.SUM] },
  ReserveShortfall: { panel: 'reservations', statistics: [Stats.SUM] },
  CodesAssigned: { panel: 'assignments', statistics: [Stats.SUM] },
  CodesReleased: { panel: 'assignments', statistics: [Stats.SUM] },
  CodesExported: { panel: 'jobCodes', statistics: [Stats.SUM] },
  CodesPurged: { panel: 'jobCodes', statistics: [Stats.SUM] },
  ExportFailed: { panel: 'jobFailures', statistics: [Stats.SUM] },
};

/**
 * A metric the functions emit through Powertools (EMF). Powertools adds exactly one dimension,
 * `service` = POWERTOOLS_SERVICE_NAME, to every metric (no campaign dimension, contract §6); the
 * dashboard must ask for that same dimension set or CloudWatch shows nothing.
 */
export function serviceMetric(name: MetricName, statistic: string = Stats.SUM): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: POWERTOOLS_SERVICE_NAME },
    statistic,
    period: PERIOD,
    // Sums keep CloudWatch's default label (the metric name); a label would also force alarms on
    // the metric into the metric-math form.
    label: statistic === Stats.SUM ? undefined : `${name} (${statistic})`,
  });
}

export interface MonitoringProps {
  servicePrefix: string;
  httpApi: HttpApi;
  stage: HttpStage;
  routes: readonly Route[];
  functions: Record<FunctionId, ServiceFunction>;
  importer: IFunction;
  /** The export and purge functions (their errors beside the ExportFailed metric). */
  jobFunctions: Partial<Record<FunctionId, IFunction>>;
  importFailureQueue: IQueue;
  api5xxAlarmPercent: number;
  alarmEmail: string | undefined;
}

/** The dashboard, the alarms (to an SNS topic) and the saved Logs Insights queries of contract §6. */
export class Monitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: `${props.servicePrefix} alarms` });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.alarms = this.buildAlarms(props);
    const action = new SnsAction(this.alarmTopic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.servicePrefix,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(...this.apiWidgets(props));
    this.dashboard.addWidgets(...this.functionWidgets(props));
    this.dashboard.addWidgets(...this.serviceWidgets(props));
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 }),
    );

    this.buildQueries(props);
  }

  private apiWidgets({ httpApi, stage, routes }: MonitoringProps) {
    // Route-level metrics (detailed metrics on the stage) carry ApiId, Stage, Resource and Method.
    const routeMetric = (metricName: string, route: Route, statistic: string) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: {
          ApiId: httpApi.apiId,
          Stage: stage.stageName,
          Resource: route.path,
          Method: route.method,
        },
        statistic,
        period: PERIOD,
        label: routeKey(route),
      });
    const perRoute = (title: string, metricName: string, statistic: string, width = 8) =>
      new GraphWidget({
        title,
        left: routes.map((route) => routeMetric(metricName, route, statistic)),
        width,
        height: 6,
      });
    return [
      new TextWidget({ markdown: '## API (per route)', width: 24, height: 1 }),
      perRoute('Requests per route', 'Count', Stats.SUM),
      perRoute('4xx per route', '4xx', Stats.SUM),
      perRoute('5xx per route', '5xx', Stats.SUM),
      perRoute('Latency p99 per route (ms)', 'Latency', Stats.percentile(99), 12),
      perRoute('Latency p50 per route (ms)', 'Latency', Stats.percentile(50), 12),
    ];
  }

  private functionWidgets({ functions }: MonitoringProps) {
    const all = Object.entries(functions) as [FunctionId, ServiceFunction][];
    const perFunction = (title: string, metric: (fn: IFunction) => Metric) =>
      new GraphWidget({
        title,
        left: all.map(([functionId, { function: fn }]) =>
          metric(fn).with({ label: functionId, period: PERIOD }),
        ),
        width: 8,
        height: 6,
      });
    return [
      new TextWidget({ markdown: '## Functions', width: 24, height: 1 }),
      perFunction('Errors', (fn) => fn.metricErrors({ statistic: Stats.SUM })),
      perFunction('Duration p99 (ms)', (fn) => fn.metricDuration({ statistic: Stats.percentile(99) })),
      perFunction('Throttles', (fn) => fn.metricThrottles({ statistic: Stats.SUM })),
    ];
  }

  private serviceWidgets({ importer, importFailureQueue, jobFunctions }: MonitoringProps) {
    const panel = (name: ServicePanel) =>
      (Object.entries(SERVICE_METRIC_PANELS) as [MetricName, (typeof SERVICE_METRIC_PANELS)[MetricName]][])
        .filter(([, placement]) => placement.panel === name)
        .flatMap(([metricName, placement]) =>
          placement.statistics.map((statistic) => serviceMetric(metricName, statistic)),
        );
    return [
      new TextWidget({ markdown: '## Imports and codes', width: 24, height: 1 }),
      new GraphWidget({
        title: 'Import throughput (codes)',
        left: panel('importThroughput'),
        width: 8,
        height: 6,
      }),
      new GraphWidget({ title: 'Import duration', left: panel('importDuration'), width: 8, height: 6 }),
      new GraphWidget({
        title: 'Import failures and failure queue',
        left: [
          ...panel('importFailures'),
          importer.metricErrors({ statistic: Stats.SUM, period: PERIOD, label: 'Importer errors' }),
        ],
        right: [
          importFailureQueue.metricApproximateNumberOfMessagesVisible({
            statistic: Stats.MAXIMUM,
            period: PERIOD,
            label: 'Failure queue depth',
          }),
        ],
        width: 8,
        height: 6,
      }),
      new GraphWidget({
        title: 'Reservations and shortfall',
        left: panel('reservations'),
        width: 12,
        height: 6,
      }),
      new GraphWidget({
        title: 'Assignments and releases',
        left: panel('assignments'),
        width: 12,
        height: 6,
      }),
      new TextWidget({ markdown: '## Exports and purges', width: 24, height: 1 }),
      new GraphWidget({
        title: 'Codes exported and purged',
        left: panel('jobCodes'),
        width: 12,
        height: 6,
      }),
      new GraphWidget({
        title: 'Export failures and job function errors',
        left: [
          ...panel('jobFailures'),
          ...Object.entries(jobFunctions).map(([functionId, fn]) =>
            fn.metricErrors({ statistic: Stats.SUM, period: PERIOD, label: `${functionId} errors` }),
          ),
        ],
        width: 12,
        height: 6,
      }),
    ];
  }

  private buildAlarms({
    servicePrefix,
    stage,
    importer,
    importFailureQueue,
    api5xxAlarmPercent,
  }: MonitoringProps) {
    const importFailed = new Alarm(this, 'ImportFailedAlarm', {
      alarmName: `${servicePrefix}-import-failed`,
      alarmDescription: 'An import failed (ImportFailed metric). Lambda retries it; see the imports record.',
      metric: serviceMetric(MetricName.ImportFailed),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Crashes and timeouts never reach the ImportFailed metric; the function's own errors do.
    const importerErrors = new Alarm(this, 'ImporterErrorsAlarm', {
      alarmName: `${servicePrefix}-importer-errors`,
      alarmDescription: 'The importer function failed (error, timeout or out of memory).',
      metric: importer.metricErrors({ statistic: Stats.SUM, period: PERIOD }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const failureQueue = new Alarm(this, 'ImportFailureQueueAlarm', {
      alarmName: `${servicePrefix}-import-failure-queue`,
      alarmDescription:
        'An S3 import event failed all retries and sits in the import failure queue: re-drive it once fixed.',
      metric: importFailureQueue.metricApproximateNumberOfMessagesVisible({
        statistic: Stats.MAXIMUM,
        period: PERIOD,
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const api5xxRate = new Alarm(this, 'Api5xxRateAlarm', {
      alarmName: `${servicePrefix}-api-5xx-rate`,
      alarmDescription: `More than ${api5xxAlarmPercent}% of API requests answered with a 5xx.`,
      metric: new MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: {
          errors: stage.metricServerError({ statistic: Stats.SUM, period: PERIOD }),
          requests: stage.metricCount({ statistic: Stats.SUM, period: PERIOD }),
        },
        period: PERIOD,
        label: 'API 5xx rate (%)',
      }),
      threshold: api5xxAlarmPercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Two bad 5-minute periods out of three: one failing request at night is not an incident.
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    return [importFailed, importerErrors, failureQueue, api5xxRate];
  }

  /** Saved CloudWatch Logs Insights queries over every function's log group. */
  private buildQueries({ servicePrefix, functions }: MonitoringProps): void {
    const logGroups = Object.values(functions).map((fn) => fn.logGroup);
    new QueryDefinition(this, 'RequestByCorrelationIdQuery', {
      queryDefinitionName: `${servicePrefix}/request-by-correlation-id`,
      // Replace the placeholder with the x-correlation-id of the response.
      queryString: new QueryString({
        fields: ['@timestamp', 'function_name', 'level', 'message', 'error.message', '@message'],
        filterStatements: ['correlation_id = "PASTE-CORRELATION-ID"'],
        sort: '@timestamp asc',
        limit: 500,
      }),
      logGroups,
    });
    new QueryDefinition(this, 'SlowDatabaseCallsQuery', {
      queryDefinitionName: `${servicePrefix}/slow-database-calls`,
      // lib/mongo/instrument.ts logs every database call slower than 500 ms with this message.
      queryString: new QueryString({
        fields: ['@timestamp', 'function_name', 'dbCall', 'durationMs', 'correlation_id'],
        filterStatements: ['message = "Slow database call"'],
        sort: 'durationMs desc',
        limit: 200,
      }),
      logGroups,
    });
    new QueryDefinition(this, 'ErrorsByOperationQuery', {
      queryDefinitionName: `${servicePrefix}/errors-by-operation`,
      // Powertools ERROR lines plus the runtime's own (timeouts), grouped by function.
      queryString: new QueryString({
        fields: ['coalesce(function_name, @log) as operation'],
        filterStatements: ['level = "ERROR" or @message like /Task timed out/'],
        statsStatements: ['count(*) as errors by operation'],
        sort: 'errors desc',
      }),
      logGroups,
    });
  }
}
