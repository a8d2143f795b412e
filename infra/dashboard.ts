import type { MetricName } from '../lib/metric-names.ts';
import {
  FUNCTIONS,
  type FunctionId,
  IMPORTER_FUNCTION,
  JOB_FUNCTIONS,
  POOL_SWEEP_FUNCTION,
  type Route,
  routeKey,
} from './routes.ts';

/**
 * The one dashboard definition: its sections and widgets (title, kind, size, which metrics with
 * which statistic) as plain data. The CDK monitoring construct (infra/constructs/monitoring.ts)
 * builds the CloudWatch dashboard from it and the local stack's `GET /dev/dashboard` answers the
 * same widgets from its in-memory series (infra/local/metrics), as the route table feeds both the
 * API and the local gateway: the two cannot drift apart. No CDK here, so the local stack reads it
 * without loading aws-cdk-lib.
 */

/** CloudWatch statistics as CloudWatch spells them (`Stats.SUM` is `Sum`, `Stats.percentile(99)` is `p99`). */
export type Statistic = 'Sum' | 'SampleCount' | 'Average' | 'Minimum' | 'Maximum' | `p${number}`;

/**
 * 401/403 answers of the API, counted from the access log (API Gateway's metrics only know 4xx):
 * a spike is the signature of an auth outage (JWKS gone, issuer keys rotated, clock skew).
 */
export const AUTH_DENIED_METRIC = 'ApiAuthDenied';
export type ServiceMetricName = MetricName | typeof AUTH_DENIED_METRIC;

/** API Gateway's per-route metrics (detailed metrics on the stage). */
export type RouteMetricName = 'Count' | '4xx' | '5xx' | 'Latency';
/** Lambda's own metrics of a function. */
export type FunctionMetricName = 'Invocations' | 'Errors' | 'Duration' | 'Throttles';

export type ServicePanel =
  | 'importThroughput'
  | 'importDuration'
  | 'importFailures'
  | 'reservations'
  | 'assignments'
  | 'authorizer'
  | 'events'
  | 'jobCodes'
  | 'jobFailures';

/**
 * Where each service metric of contract §6 is shown and with which statistic. Keyed by MetricName, so a
 * metric added to lib/metric-names.ts does not compile until it has a place on the dashboard.
 */
export const SERVICE_METRIC_PANELS: Record<
  MetricName,
  { panel: ServicePanel; statistics: readonly Statistic[] }
> = {
  CodesImported: { panel: 'importThroughput', statistics: ['Sum'] },
  CodesInserted: { panel: 'importThroughput', statistics: ['Sum'] },
  CodesUpdated: { panel: 'importThroughput', statistics: ['Sum'] },
  CodesRejected: { panel: 'importThroughput', statistics: ['Sum'] },
  ImportDuration: { panel: 'importDuration', statistics: ['Average', 'Maximum'] },
  ImportFailed: { panel: 'importFailures', statistics: ['Sum'] },
  CodesReserved: { panel: 'reservations', statistics: ['Sum'] },
  ReserveShortfall: { panel: 'reservations', statistics: ['Sum'] },
  CodesAssigned: { panel: 'assignments', statistics: ['Sum'] },
  CodesReleased: { panel: 'assignments', statistics: ['Sum'] },
  AuthorizerFailures: { panel: 'authorizer', statistics: ['Sum'] },
  EventsPublished: { panel: 'events', statistics: ['Sum'] },
  EventsFailed: { panel: 'events', statistics: ['Sum'] },
  CodesExported: { panel: 'jobCodes', statistics: ['Sum'] },
  CodesPurged: { panel: 'jobCodes', statistics: ['Sum'] },
  ExportFailed: { panel: 'jobFailures', statistics: ['Sum'] },
};

/** The queues the dashboard charts. */
export type QueueId = 'importFailure' | 'jobFailure';

/** What one line (or, for per-route/per-function metrics, one line per route/function) charts. */
export type MetricSpec =
  /** Every service metric SERVICE_METRIC_PANELS places on this panel, with its statistics. */
  | { source: 'panel'; panel: ServicePanel }
  /** A service metric (namespace CodeService, dimension `service`) outside the panels. */
  | { source: 'service'; metric: ServiceMetricName; statistic: Statistic; label?: string }
  /** One line per route of the route table, labelled `GET /v1/{campaignId}/count`. */
  | { source: 'route'; metric: RouteMetricName; statistic: Statistic }
  /** API Gateway's metric of the whole stage (every route, unmatched requests too). */
  | { source: 'stage'; metric: RouteMetricName; statistic: Statistic; label?: string }
  /**
   * One line per function: every function (`all`) or those listed. `label` may name the function
   * as `{function}`; the default label is the function id.
   */
  | {
      source: 'function';
      metric: FunctionMetricName;
      statistic: Statistic;
      functions: 'all' | readonly FunctionId[];
      label?: string;
    }
  | {
      source: 'queue';
      queue: QueueId;
      metric: 'ApproximateNumberOfMessagesVisible';
      statistic: Statistic;
      label: string;
    };

interface WidgetBase {
  /** Stable slug naming the widget (the console's element ids, tests). */
  id: string;
  /** CloudWatch's grid: 24 columns wide. */
  width: number;
  height: number;
}
export interface GraphWidgetSpec extends WidgetBase {
  kind: 'graph';
  title: string;
  left: readonly MetricSpec[];
  right?: readonly MetricSpec[];
}
export interface TextWidgetSpec extends WidgetBase {
  kind: 'text';
  title: string;
  markdown: string;
}
/** The state of every alarm of the monitoring construct. */
export interface AlarmsWidgetSpec extends WidgetBase {
  kind: 'alarms';
  title: string;
}
export type WidgetSpec = GraphWidgetSpec | TextWidgetSpec | AlarmsWidgetSpec;

export interface DashboardSection {
  title: string;
  /**
   * Drawn on CloudWatch as a full-width `## title` text widget before the section's widgets (the
   * console draws the section's title instead); false for a section that is its one widget.
   */
  heading: boolean;
  widgets: readonly WidgetSpec[];
}

/** The deployed dashboard's period; the local series are per minute. */
export const DASHBOARD_PERIOD_MINUTES = 5;
/** The time range the deployed dashboard opens on (and the local series keep). */
export const DASHBOARD_RANGE_HOURS = 3;

const graph = (
  id: string,
  title: string,
  width: number,
  left: readonly MetricSpec[],
  right?: readonly MetricSpec[],
): GraphWidgetSpec => ({ kind: 'graph', id, title, width, height: 6, left, ...(right ? { right } : {}) });
const panel = (name: ServicePanel): MetricSpec => ({ source: 'panel', panel: name });
const perRoute = (metric: RouteMetricName, statistic: Statistic): MetricSpec => ({
  source: 'route',
  metric,
  statistic,
});
const functionErrors = (functions: 'all' | readonly FunctionId[], label?: string): MetricSpec => ({
  source: 'function',
  metric: 'Errors',
  statistic: 'Sum',
  functions,
  ...(label ? { label } : {}),
});

export const DASHBOARD: readonly DashboardSection[] = [
  {
    title: 'API (per route)',
    heading: true,
    widgets: [
      graph('api-requests', 'Requests per route', 8, [perRoute('Count', 'Sum')]),
      graph('api-4xx', '4xx per route', 8, [perRoute('4xx', 'Sum')]),
      graph('api-5xx', '5xx per route', 8, [perRoute('5xx', 'Sum')]),
      graph('api-latency-p99', 'Latency p99 per route (ms)', 12, [perRoute('Latency', 'p99')]),
      graph('api-latency-p50', 'Latency p50 per route (ms)', 12, [perRoute('Latency', 'p50')]),
    ],
  },
  {
    title: 'Functions',
    heading: true,
    widgets: [
      graph('function-errors', 'Errors', 8, [functionErrors('all')]),
      graph('function-duration-p99', 'Duration p99 (ms)', 8, [
        { source: 'function', metric: 'Duration', statistic: 'p99', functions: 'all' },
      ]),
      graph('function-throttles', 'Throttles', 8, [
        { source: 'function', metric: 'Throttles', statistic: 'Sum', functions: 'all' },
      ]),
    ],
  },
  {
    title: 'Imports and codes',
    heading: true,
    widgets: [
      graph('import-throughput', 'Import throughput (codes)', 8, [panel('importThroughput')]),
      graph('import-duration', 'Import duration', 8, [panel('importDuration')]),
      graph(
        'import-failures',
        'Import failures and failure queue',
        8,
        [panel('importFailures'), functionErrors([IMPORTER_FUNCTION], 'Importer errors')],
        [
          {
            source: 'queue',
            queue: 'importFailure',
            metric: 'ApproximateNumberOfMessagesVisible',
            statistic: 'Maximum',
            label: 'Failure queue depth',
          },
        ],
      ),
      graph('reservations', 'Reservations and shortfall', 12, [panel('reservations')]),
      graph('assignments', 'Assignments and releases', 12, [panel('assignments')]),
      graph(
        'authorizer',
        'Authorizer: cannot verify (outage) and errors',
        12,
        [panel('authorizer'), functionErrors(['authorizer'], 'Authorizer errors')],
        [{ source: 'service', metric: AUTH_DENIED_METRIC, statistic: 'Sum', label: '401/403 answers' }],
      ),
    ],
  },
  {
    title: 'Events (contract §6b)',
    heading: true,
    widgets: [
      graph(
        'events',
        'Events published and failed',
        24,
        [panel('events')],
        [functionErrors([POOL_SWEEP_FUNCTION], 'Pool sweep errors')],
      ),
    ],
  },
  {
    title: 'Exports and purges',
    heading: true,
    widgets: [
      graph('job-codes', 'Codes exported and purged', 12, [panel('jobCodes')]),
      graph(
        'job-failures',
        'Export failures, job function errors and failure queue',
        12,
        [panel('jobFailures'), functionErrors(JOB_FUNCTIONS, '{function} errors')],
        [
          {
            source: 'queue',
            queue: 'jobFailure',
            metric: 'ApproximateNumberOfMessagesVisible',
            statistic: 'Maximum',
            label: 'Job failure queue depth',
          },
        ],
      ),
    ],
  },
  {
    title: 'Alarms',
    heading: false,
    widgets: [{ kind: 'alarms', id: 'alarms', title: 'Alarms', width: 24, height: 3 }],
  },
];

/** One charted line once a MetricSpec is expanded over the route and function tables. */
export type SeriesLine = {
  /** The legend label (the console's; CloudWatch's unless `defaultLabel`). */
  label: string;
  /** CloudWatch labels it itself (a Sum of a service metric shows its name): no label is set. */
  defaultLabel: boolean;
  statistic: Statistic;
} & (
  | { source: 'service'; metric: ServiceMetricName }
  | { source: 'route'; metric: RouteMetricName; route: Route }
  | { source: 'stage'; metric: RouteMetricName }
  | { source: 'function'; metric: FunctionMetricName; functionId: FunctionId }
  | { source: 'queue'; metric: 'ApproximateNumberOfMessagesVisible'; queue: QueueId }
);

const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];

/** A service metric's line: Sums keep CloudWatch's default label (the metric name). */
function serviceLine(metric: ServiceMetricName, statistic: Statistic, label?: string): SeriesLine {
  const defaultLabel = label === undefined && statistic === 'Sum';
  return {
    source: 'service',
    metric,
    statistic,
    label: label ?? (defaultLabel ? metric : `${metric} (${statistic})`),
    defaultLabel,
  };
}

/** The lines one MetricSpec draws, in the dashboard's order. */
export function expandMetric(spec: MetricSpec, routes: readonly Route[]): SeriesLine[] {
  switch (spec.source) {
    case 'panel':
      return (
        Object.entries(SERVICE_METRIC_PANELS) as [MetricName, (typeof SERVICE_METRIC_PANELS)[MetricName]][]
      )
        .filter(([, placement]) => placement.panel === spec.panel)
        .flatMap(([metric, placement]) =>
          placement.statistics.map((statistic) => serviceLine(metric, statistic)),
        );
    case 'service':
      return [serviceLine(spec.metric, spec.statistic, spec.label)];
    case 'route':
      return routes.map((route) => ({
        source: 'route',
        metric: spec.metric,
        statistic: spec.statistic,
        route,
        label: routeKey(route),
        defaultLabel: false,
      }));
    case 'function':
      return (spec.functions === 'all' ? FUNCTION_IDS : spec.functions).map((functionId) => ({
        source: 'function',
        metric: spec.metric,
        statistic: spec.statistic,
        functionId,
        label: spec.label ? spec.label.replaceAll('{function}', functionId) : functionId,
        defaultLabel: false,
      }));
    case 'stage':
      return [
        {
          source: 'stage',
          metric: spec.metric,
          statistic: spec.statistic,
          label: spec.label ?? `API ${spec.metric}`,
          defaultLabel: false,
        },
      ];
    case 'queue':
      return [{ ...spec, defaultLabel: false }];
  }
}

/** Every line of a graph widget: its left axis, then its right one. */
export const widgetLines = (
  widget: GraphWidgetSpec,
  routes: readonly Route[],
): { left: SeriesLine[]; right: SeriesLine[] } => ({
  left: widget.left.flatMap((spec) => expandMetric(spec, routes)),
  right: (widget.right ?? []).flatMap((spec) => expandMetric(spec, routes)),
});
