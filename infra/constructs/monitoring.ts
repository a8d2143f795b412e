import { Duration } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  MathExpression,
  Metric,
  type MetricOptions,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
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
import {
  type AlarmSpec,
  alarmName,
  alarmTable,
  type Comparison,
  type MissingData,
  mathText,
} from '../alarms.ts';
import {
  AUTH_DENIED_METRIC,
  DASHBOARD,
  DASHBOARD_PERIOD_MINUTES,
  DASHBOARD_RANGE_HOURS,
  type DashboardSection,
  type QueueId,
  type SeriesLine,
  type ServiceMetricName,
  type WidgetSpec,
  widgetLines,
} from '../dashboard.ts';
import { type FunctionId, type Route, routeKey } from '../routes.ts';
import { FUNCTION_SETTINGS } from '../stacks/function-settings.ts';
import { METRICS_NAMESPACE, type ServiceFunction } from './service-function.ts';

const PERIOD = Duration.minutes(DASHBOARD_PERIOD_MINUTES);

/** The alarm table's comparisons and missing-data treatments as CDK's enums. */
const COMPARISONS: Record<Comparison, ComparisonOperator> = {
  GreaterThanOrEqualToThreshold: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  GreaterThanThreshold: ComparisonOperator.GREATER_THAN_THRESHOLD,
  LessThanThreshold: ComparisonOperator.LESS_THAN_THRESHOLD,
  LessThanOrEqualToThreshold: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
};
const MISSING_DATA: Record<MissingData, TreatMissingData> = {
  breaching: TreatMissingData.BREACHING,
  notBreaching: TreatMissingData.NOT_BREACHING,
  ignore: TreatMissingData.IGNORE,
  missing: TreatMissingData.MISSING,
};

export { AUTH_DENIED_METRIC };

/** The dashboard definition's queues (a QueueId added there does not compile until mapped here). */
const queueOf = (props: MonitoringProps): Record<QueueId, IQueue> => ({
  importFailure: props.importFailureQueue,
  jobFailure: props.jobFailureQueue,
});

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
  importFailureQueue: IQueue;
  /** The export and purge invocations that failed every retry. */
  jobFailureQueue: IQueue;
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

  /**
   * The CloudWatch metric of one line of the dashboard definition or of an alarm (unlabelled:
   * `labelled` false, over the alarm's period).
   */
  private lineMetric(
    props: MonitoringProps,
    line: SeriesLine,
    { period = PERIOD, labelled = true }: { period?: Duration; labelled?: boolean } = {},
  ): Metric {
    const label = line.defaultLabel || !labelled ? undefined : line.label;
    const options = { statistic: line.statistic, period, label };
    switch (line.source) {
      case 'service':
        return serviceMetric(line.metric, props.servicePrefix, line.statistic).with({ label, period });
      case 'route':
        return apiRouteMetric(props, line.metric, line.route, line.statistic, labelled).with({ period });
      case 'stage':
        return props.stage.metric(line.metric, options);
      case 'function':
        return props.functions[line.functionId].function.metric(line.metric, options);
      case 'queue':
        return QUEUE_METRICS[line.metric](queueOf(props)[line.queue], options);
    }
  }

  /** Every alarm of the alarm table (infra/alarms.ts), in its order. */
  private buildAlarms(props: MonitoringProps): Alarm[] {
    const table = alarmTable({
      routes: props.routes,
      functionNeeds: FUNCTION_SETTINGS,
      api5xxAlarmPercent: props.api5xxAlarmPercent,
      apiLatencyP99Ms: props.apiLatencyP99Ms,
      importWaitMs: props.importWaitMs,
      authDeniedCount: props.authDeniedCount,
    });
    return table.map(
      (spec) =>
        new Alarm(this, spec.id, {
          alarmName: alarmName(props.servicePrefix, spec),
          alarmDescription: spec.description,
          metric: this.alarmMetric(props, spec),
          threshold: spec.threshold,
          comparisonOperator: COMPARISONS[spec.comparison],
          evaluationPeriods: spec.evaluationPeriods,
          ...(spec.datapointsToAlarm === undefined ? {} : { datapointsToAlarm: spec.datapointsToAlarm }),
          treatMissingData: MISSING_DATA[spec.treatMissingData],
        }),
    );
  }

  /** An alarm's metric: unlabelled (a label would force the metric-math form), over its period. */
  private alarmMetric(props: MonitoringProps, spec: AlarmSpec): IMetric {
    const period = Duration.minutes(spec.periodMinutes);
    const line = (one: SeriesLine) => this.lineMetric(props, one, { period, labelled: false });
    if (spec.metric.kind === 'line') return line(spec.metric.line);
    const { expression, label, using } = spec.metric;
    return new MathExpression({
      expression: mathText(expression),
      usingMetrics: Object.fromEntries(Object.entries(using).map(([id, one]) => [id, line(one)])),
      period,
      label,
    });
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
