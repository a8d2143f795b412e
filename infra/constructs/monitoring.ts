import { Duration } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IWidget,
  MathExpression,
  Metric,
  type MetricOptions,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  FilterPattern,
  type ILogGroup,
  MetricFilter,
  QueryDefinition,
  QueryString,
} from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MetricName } from '../../lib/metric-names.ts';
import {
  AUTH_DENIED_METRIC,
  DASHBOARD,
  DASHBOARD_PERIOD_MINUTES,
  DASHBOARD_RANGE_HOURS,
  type DashboardSection,
  type SeriesLine,
  type ServiceMetricName,
  type WidgetSpec,
  widgetLines,
} from '../dashboard.ts';
import { type FunctionId, type Route, routeKey } from '../routes.ts';
import { FUNCTION_SETTINGS, kebabCase } from '../stacks/function-settings.ts';
import { METRICS_NAMESPACE, type ServiceFunction } from './service-function.ts';

const PERIOD = Duration.minutes(DASHBOARD_PERIOD_MINUTES);

export { AUTH_DENIED_METRIC };

/** The queue metrics the dashboard definition may chart. */
const QUEUE_METRICS: Record<
  Extract<SeriesLine, { source: 'queue' }>['metric'],
  (queue: IQueue, options: MetricOptions) => Metric
> = {
  ApproximateNumberOfMessagesVisible: (queue, options) =>
    queue.metricApproximateNumberOfMessagesVisible(options),
};

/**
 * A metric the functions emit through Powertools (EMF). Powertools adds exactly one dimension,
 * `service` = POWERTOOLS_SERVICE_NAME = the copy's servicePrefix, to every metric (no campaign
 * dimension, contract §6); the dashboard and alarms must ask for that same dimension set or
 * CloudWatch shows nothing — and a second copy's metrics stay apart.
 */
export function serviceMetric(
  name: ServiceMetricName,
  service: string,
  statistic: string = Stats.SUM,
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service },
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
  /** The scheduled low-stock sweep (contract §6b). */
  poolSweep: IFunction;
  importFailureQueue: IQueue;
  /** The API stage's access log group (JSON lines, see access-log.ts). */
  accessLogs: ILogGroup;
  api5xxAlarmPercent: number;
  alarmEmail: string | undefined;
  /** p99 latency alarm threshold per route (ms). */
  apiLatencyP99Ms: number;
  /** How long the upload route waits for its import: its latency threshold is above it. */
  importWaitMs: number;
  /** 401/403 answers per 5 minutes that raise the auth-denials alarm. */
  authDeniedCount: number;
}

/** `GET /v1/{campaignId}/reserve` → `get-v1-campaignid-reserve`, for alarm names and ids. */
const routeSlug = (route: Route): string =>
  `${route.method} ${route.path}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
const pascalCase = (slug: string): string =>
  slug.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/** Route-level metrics (detailed metrics on the stage) carry ApiId, Stage, Resource and Method. */
function apiRouteMetric(
  { httpApi, stage }: Pick<MonitoringProps, 'httpApi' | 'stage'>,
  metricName: string,
  route: Route,
  statistic: string,
  /** Dashboards label each line; an alarm's metric has none (a label forces metric math). */
  labelled = true,
): Metric {
  return new Metric({
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
    label: labelled ? routeKey(route) : undefined,
  });
}

/** The dashboard, the alarms (to an SNS topic) and the saved Logs Insights queries of contract §6. */
export class Monitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `${props.servicePrefix} alarms`,
      // Publishers (CloudWatch alarms, subscribers' confirmations) must use TLS.
      enforceSSL: true,
    });
    new MetricFilter(this, 'AuthDeniedFilter', {
      logGroup: props.accessLogs,
      filterPattern: FilterPattern.literal('{ ($.status = 401) || ($.status = 403) }'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: AUTH_DENIED_METRIC,
      metricValue: '1',
      // The access log line carries `service` (the servicePrefix): the same dimension as EMF.
      dimensions: { service: '$.service' },
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.alarms = this.buildAlarms(props);
    const action = new SnsAction(this.alarmTopic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.servicePrefix,
      defaultInterval: Duration.hours(DASHBOARD_RANGE_HOURS),
    });
    for (const section of DASHBOARD) this.dashboard.addWidgets(...this.sectionWidgets(props, section));

    this.buildQueries(props);
  }

  /** One section of the dashboard definition (infra/dashboard.ts): its heading, then its widgets. */
  private sectionWidgets(props: MonitoringProps, section: DashboardSection): IWidget[] {
    const heading = section.heading
      ? [new TextWidget({ markdown: `## ${section.title}`, width: 24, height: 1 })]
      : [];
    return [...heading, ...section.widgets.map((widget) => this.widget(props, widget))];
  }

  private widget(props: MonitoringProps, widget: WidgetSpec): IWidget {
    const { width, height } = widget;
    switch (widget.kind) {
      case 'text':
        return new TextWidget({ markdown: widget.markdown, width, height });
      case 'alarms':
        return new AlarmStatusWidget({ title: widget.title, alarms: this.alarms, width, height });
      case 'graph': {
        const { left, right } = widgetLines(widget, props.routes);
        const metric = (line: SeriesLine) => this.lineMetric(props, line);
        return new GraphWidget({
          title: widget.title,
          left: left.map(metric),
          ...(right.length > 0 ? { right: right.map(metric) } : {}),
          width,
          height,
        });
      }
    }
  }

  /** The CloudWatch metric of one line of the dashboard definition. */
  private lineMetric(props: MonitoringProps, line: SeriesLine): Metric {
    const label = line.defaultLabel ? undefined : line.label;
    switch (line.source) {
      case 'service':
        return serviceMetric(line.metric, props.servicePrefix, line.statistic).with({ label });
      case 'route':
        return apiRouteMetric(props, line.metric, line.route, line.statistic);
      case 'function':
        return props.functions[line.functionId].function.metric(line.metric, {
          statistic: line.statistic,
          period: PERIOD,
          label,
        });
      case 'queue':
        return QUEUE_METRICS[line.metric](props.importFailureQueue, {
          statistic: line.statistic,
          period: PERIOD,
          label,
        });
    }
  }

  private buildAlarms(props: MonitoringProps) {
    const { servicePrefix, stage, importer, poolSweep, importFailureQueue, api5xxAlarmPercent } = props;
    const importFailed = new Alarm(this, 'ImportFailedAlarm', {
      alarmName: `${servicePrefix}-import-failed`,
      alarmDescription: 'An import failed (ImportFailed metric). Lambda retries it; see the imports record.',
      metric: serviceMetric(MetricName.ImportFailed, servicePrefix),
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
    // A lost event is a missed low-stock or import signal some other system waits for.
    const eventsFailed = new Alarm(this, 'EventsFailedAlarm', {
      alarmName: `${servicePrefix}-events-failed`,
      alarmDescription:
        'EventBridge rejected events after retries (EventsFailed). Pool alerts stay in the pool outbox and the next sweep retries them; an import event waits for a redelivery of its S3 event. The ERROR logs name each eventId.',
      metric: serviceMetric(MetricName.EventsFailed, servicePrefix),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // A sweep that keeps failing means no low-stock alerts at all.
    const poolSweepErrors = new Alarm(this, 'PoolSweepErrorsAlarm', {
      alarmName: `${servicePrefix}-pool-sweep-errors`,
      alarmDescription:
        'The low-stock sweep failed in most runs of 5 minutes: no Pool Low / Pool Empty events.',
      metric: poolSweep.metricErrors({ statistic: Stats.SUM, period: PERIOD }),
      threshold: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    return [
      importFailed,
      importerErrors,
      failureQueue,
      api5xxRate,
      eventsFailed,
      poolSweepErrors,
      ...this.operationsAlarms(props),
    ];
  }

  /**
   * The alarms that tell on-call the service is failing its callers, derived from the function
   * table and the route table, so a function or route added there is covered without a line here.
   */
  private operationsAlarms(props: MonitoringProps): Alarm[] {
    const { servicePrefix, functions, routes } = props;
    const atLeastOnce = {
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    };
    const alarms: Alarm[] = [];
    const all = Object.entries(functions) as [FunctionId, ServiceFunction][];
    // Any throttle means requests were refused (429 at the API) or imports delayed: the reserved
    // concurrency (the MongoDB connection budget) is too small for the load.
    for (const [functionId, { function: fn }] of all) {
      const name = kebabCase(functionId);
      alarms.push(
        new Alarm(this, `${pascalCase(name)}ThrottlesAlarm`, {
          alarmName: `${servicePrefix}-${name}-throttles`,
          alarmDescription: `${functionId} was throttled: it ran at its reserved concurrency and refused work.`,
          metric: fn.metricThrottles({ statistic: Stats.SUM, period: PERIOD }),
          ...atLeastOnce,
        }),
      );
    }
    // The HTTP functions: any error is a 500 some caller got (rejections are answers, not errors).
    const httpFunctions = [...new Set(routes.map((route) => route.function))];
    for (const functionId of httpFunctions) {
      const name = kebabCase(functionId);
      alarms.push(
        new Alarm(this, `${pascalCase(name)}ErrorsAlarm`, {
          alarmName: `${servicePrefix}-${name}-errors`,
          alarmDescription: `${functionId} failed (500, timeout or crash); see the errors-by-operation query.`,
          metric: functions[functionId].function.metricErrors({ statistic: Stats.SUM, period: PERIOD }),
          ...atLeastOnce,
        }),
      );
    }
    alarms.push(
      new Alarm(this, 'AuthorizerErrorsAlarm', {
        alarmName: `${servicePrefix}-authorizer-errors`,
        alarmDescription:
          'The authorizer failed: callers get 500. It throws only when it cannot verify at all.',
        metric: functions.authorizer.function.metricErrors({ statistic: Stats.SUM, period: PERIOD }),
        ...atLeastOnce,
      }),
      new Alarm(this, 'AuthorizerFailuresAlarm', {
        alarmName: `${servicePrefix}-authorizer-failures`,
        alarmDescription:
          'The authorizer cannot verify tokens (JWKS unreachable or unreadable, unexpected error): an auth outage.',
        metric: serviceMetric(MetricName.AuthorizerFailures, servicePrefix),
        ...atLeastOnce,
      }),
      new Alarm(this, 'AuthDeniedAlarm', {
        alarmName: `${servicePrefix}-auth-denied-spike`,
        alarmDescription: `More than ${props.authDeniedCount} answers of 401/403 in 5 minutes: tokens are refused en masse (issuer keys, clock, misconfiguration).`,
        metric: serviceMetric(AUTH_DENIED_METRIC, servicePrefix),
        threshold: props.authDeniedCount,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    // p99 latency per route. A function that hands work to the importer (upload) waits for it up to
    // importWaitMs by design: its routes' threshold sits above that wait.
    for (const route of routes) {
      const slug = routeSlug(route);
      const waitsForImport = FUNCTION_SETTINGS[route.function].needs.includes('importer');
      const threshold = waitsForImport
        ? Math.max(props.apiLatencyP99Ms, props.importWaitMs + 2000)
        : props.apiLatencyP99Ms;
      alarms.push(
        new Alarm(this, `${pascalCase(slug)}LatencyAlarm`, {
          alarmName: `${servicePrefix}-latency-p99-${slug}`,
          alarmDescription: `p99 latency of ${routeKey(route)} above ${threshold} ms in 2 of 3 periods of 5 minutes.`,
          metric: apiRouteMetric(props, 'Latency', route, Stats.percentile(99), false),
          threshold,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    return alarms;
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
