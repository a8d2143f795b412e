import { MetricName } from '../lib/metric-names.ts';
import {
  AUTH_DENIED_METRIC,
  DASHBOARD_PERIOD_MINUTES,
  expandMetric,
  type FunctionMetricName,
  type MetricSpec,
  type QueueId,
  type RouteMetricName,
  type SeriesLine,
  type ServiceMetricName,
} from './dashboard.ts';
import {
  FUNCTIONS,
  type FunctionId,
  IMPORTER_FUNCTION,
  JOB_FUNCTIONS,
  kebabCase,
  POOL_SWEEP_FUNCTION,
  type Route,
  routeKey,
} from './routes.ts';
import type { Need } from './stacks/function-settings.ts';

/**
 * The one alarm table: every alarm of the service (what it watches, with which statistic and
 * period, its threshold and how it evaluates) as plain data, generated over the function and route
 * tables. The CDK monitoring construct (infra/constructs/monitoring.ts) builds the CloudWatch
 * alarms from it and the local stack's `GET /dev/dashboard` evaluates the same alarms over its
 * in-memory series (infra/local/metrics/alarm-states.ts), as infra/dashboard.ts feeds both
 * dashboards. No CDK here (types only), so the local stack reads it without aws-cdk-lib.
 */

/** CloudWatch's comparison operators, spelled as CloudWatch (and CDK's enum values) spell them. */
export type Comparison =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
/** How a period with no datapoint counts (CloudWatch's TreatMissingData). */
export type MissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

/**
 * A CloudWatch metric math expression as data: rendered to CloudWatch's text (`mathText`) and
 * evaluated locally (`evaluateMath`) from the one tree. A string names one of the alarm's metrics.
 */
export type MathExpression =
  | number
  | string
  | { op: '+' | '-' | '*' | '/' | '>' | '>=' | '<' | '<='; left: MathExpression; right: MathExpression }
  | { op: 'IF'; condition: MathExpression; ifTrue: MathExpression; ifFalse: MathExpression };

export type AlarmMetric =
  | { kind: 'line'; line: SeriesLine }
  | {
      kind: 'math';
      expression: MathExpression;
      label: string;
      /** The metrics the expression names, by their id in it. */
      using: Readonly<Record<string, SeriesLine>>;
    };

export interface AlarmSpec {
  /** Construct id (it keeps the alarm's CloudFormation logical id). */
  id: string;
  /** The alarm's name after `<servicePrefix>-`. */
  nameSuffix: string;
  description: string;
  metric: AlarmMetric;
  periodMinutes: number;
  threshold: number;
  comparison: Comparison;
  evaluationPeriods: number;
  /** M of "M out of N" (N = evaluationPeriods); unset: every evaluated period. */
  datapointsToAlarm?: number;
  treatMissingData: MissingData;
}

/** What the alarm table depends on besides the function and route tables (the deployment's settings). */
export interface AlarmSettings {
  routes: readonly Route[];
  /** What each function needs (infra/stacks/function-settings.ts): an importer waits for imports. */
  functionNeeds: Readonly<Record<FunctionId, { needs: readonly Need[] }>>;
  api5xxAlarmPercent: number;
  /** p99 latency alarm threshold per route (ms). */
  apiLatencyP99Ms: number;
  /** How long the upload route waits for its import: its latency threshold is above it. */
  importWaitMs: number;
  /** 401/403 answers per 5 minutes that raise the auth-denials alarm. */
  authDeniedCount: number;
}

/** Every alarm evaluates 5-minute periods, the dashboard's. */
export const ALARM_PERIOD_MINUTES = DASHBOARD_PERIOD_MINUTES;

/** `GET /v1/{campaignId}/reserve` → `get-v1-campaignid-reserve`, for alarm names and ids. */
export const routeSlug = (route: Route): string =>
  `${route.method} ${route.path}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
export const pascalCase = (slug: string): string =>
  slug.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/** The one line a single-metric spec draws. */
const lineOf = (spec: MetricSpec, routes: readonly Route[] = []): SeriesLine =>
  expandMetric(spec, routes)[0]!;
const serviceSum = (metric: ServiceMetricName): AlarmMetric => ({
  kind: 'line',
  line: lineOf({ source: 'service', metric, statistic: 'Sum' }),
});
const functionSum = (functionId: FunctionId, metric: FunctionMetricName): AlarmMetric => ({
  kind: 'line',
  line: lineOf({ source: 'function', metric, statistic: 'Sum', functions: [functionId] }),
});
const queueDepth = (queue: QueueId): AlarmMetric => ({
  kind: 'line',
  line: lineOf({
    source: 'queue',
    queue,
    metric: 'ApproximateNumberOfMessagesVisible',
    statistic: 'Maximum',
    label: `${queue} queue depth`,
  }),
});
const stageSum = (metric: RouteMetricName): SeriesLine =>
  lineOf({ source: 'stage', metric, statistic: 'Sum' });

/** Fires on the first occurrence in a period (a count that should stay zero). */
const atLeastOnce = {
  periodMinutes: ALARM_PERIOD_MINUTES,
  threshold: 1,
  comparison: 'GreaterThanOrEqualToThreshold',
  evaluationPeriods: 1,
  treatMissingData: 'notBreaching',
} as const;

/** An alarm on the first message in a dead-letter queue: work that failed every retry. */
const failureQueueAlarm = (
  id: string,
  nameSuffix: string,
  queue: QueueId,
  description: string,
): AlarmSpec => ({
  id,
  nameSuffix,
  description,
  metric: queueDepth(queue),
  ...atLeastOnce,
});

/** Any error of a function: id and name from its kebab-case name (`export-codes-errors`). */
const functionErrorsAlarm = (functionId: FunctionId, description: string): AlarmSpec => {
  const name = kebabCase(functionId);
  return {
    id: `${pascalCase(name)}ErrorsAlarm`,
    nameSuffix: `${name}-errors`,
    description,
    metric: functionSum(functionId, 'Errors'),
    ...atLeastOnce,
  };
};

/** Imports, the API's 5xx rate, events and the low-stock sweep. */
function importAndApiAlarms({ api5xxAlarmPercent }: AlarmSettings): AlarmSpec[] {
  return [
    {
      id: 'ImportFailedAlarm',
      nameSuffix: 'import-failed',
      description: 'An import failed (ImportFailed metric). Lambda retries it; see the imports record.',
      metric: serviceSum(MetricName.ImportFailed),
      ...atLeastOnce,
    },
    // Crashes and timeouts never reach the ImportFailed metric; the function's own errors do.
    {
      id: 'ImporterErrorsAlarm',
      nameSuffix: 'importer-errors',
      description: 'The importer function failed (error, timeout or out of memory).',
      metric: functionSum(IMPORTER_FUNCTION, 'Errors'),
      ...atLeastOnce,
    },
    failureQueueAlarm(
      'ImportFailureQueueAlarm',
      'import-failure-queue',
      'importFailure',
      'An S3 import event failed all retries and sits in the import failure queue: re-drive it once fixed.',
    ),
    {
      id: 'Api5xxRateAlarm',
      nameSuffix: 'api-5xx-rate',
      description: `More than ${api5xxAlarmPercent}% of API requests answered with a 5xx.`,
      metric: {
        kind: 'math',
        expression: {
          op: 'IF',
          condition: { op: '>', left: 'requests', right: 0 },
          ifTrue: { op: '/', left: { op: '*', left: 100, right: 'errors' }, right: 'requests' },
          ifFalse: 0,
        },
        label: 'API 5xx rate (%)',
        using: { errors: stageSum('5xx'), requests: stageSum('Count') },
      },
      periodMinutes: ALARM_PERIOD_MINUTES,
      threshold: api5xxAlarmPercent,
      comparison: 'GreaterThanThreshold',
      // Two bad 5-minute periods out of three: one failing request at night is not an incident.
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: 'notBreaching',
    },
    // A lost event is a missed low-stock or import signal some other system waits for.
    {
      id: 'EventsFailedAlarm',
      nameSuffix: 'events-failed',
      description:
        'EventBridge rejected events after retries (EventsFailed). Pool alerts stay in the pool outbox and the next sweep retries them; an import event waits for a redelivery of its S3 event. The ERROR logs name each eventId.',
      metric: serviceSum(MetricName.EventsFailed),
      ...atLeastOnce,
    },
    // A sweep that keeps failing means no low-stock alerts at all.
    {
      id: 'PoolSweepErrorsAlarm',
      nameSuffix: 'pool-sweep-errors',
      description: 'The low-stock sweep failed in most runs of 5 minutes: no Pool Low / Pool Empty events.',
      metric: functionSum(POOL_SWEEP_FUNCTION, 'Errors'),
      ...atLeastOnce,
      threshold: 3,
    },
  ];
}

/**
 * Exports and purges (contract §6a): a failed attempt (ExportFailed, or a job function's error —
 * crashes and timeouts never reach the metric), and a job that failed every retry.
 */
function jobAlarms(): AlarmSpec[] {
  return [
    {
      id: 'ExportFailedAlarm',
      nameSuffix: 'export-failed',
      description:
        'An export attempt failed (ExportFailed). Lambda retries it from the first code; its record says why.',
      metric: serviceSum(MetricName.ExportFailed),
      ...atLeastOnce,
    },
    ...JOB_FUNCTIONS.map((functionId) =>
      functionErrorsAlarm(
        functionId,
        `${functionId} failed (error, timeout or crash); Lambda retries it, see the job's record.`,
      ),
    ),
    failureQueueAlarm(
      'JobFailureQueueAlarm',
      'job-failure-queue',
      'jobFailure',
      'An export or purge failed every retry and sits in the job failure queue; a crash or timeout leaves its record `running`. Start the job again (route 12 or 14) once fixed.',
    ),
  ];
}

/**
 * The alarms that tell on-call the service is failing its callers, derived from the function
 * table and the route table, so a function or route added there is covered without a line here.
 */
function operationsAlarms(settings: AlarmSettings): AlarmSpec[] {
  const { routes } = settings;
  // Any throttle means requests were refused (429 at the API) or imports delayed: the reserved
  // concurrency (the MongoDB connection budget) is too small for the load.
  const throttles = (Object.keys(FUNCTIONS) as FunctionId[]).map((functionId): AlarmSpec => {
    const name = kebabCase(functionId);
    return {
      id: `${pascalCase(name)}ThrottlesAlarm`,
      nameSuffix: `${name}-throttles`,
      description: `${functionId} was throttled: it ran at its reserved concurrency and refused work.`,
      metric: functionSum(functionId, 'Throttles'),
      ...atLeastOnce,
    };
  });
  // The HTTP functions: an error is an invocation that failed outside the error handling (a
  // timeout, a crash, out of memory); a handled 500 is an answer and counts in the 5xx rate instead.
  const httpErrors = [...new Set(routes.map((route) => route.function))].map((functionId) =>
    functionErrorsAlarm(
      functionId,
      `${functionId} failed outside its error handling (timeout, crash, out of memory): callers got API Gateway's 500. Handled 500s count in the 5xx-rate alarm. See the errors-by-operation query.`,
    ),
  );
  const auth: AlarmSpec[] = [
    {
      id: 'AuthorizerErrorsAlarm',
      nameSuffix: 'authorizer-errors',
      description: 'The authorizer failed: callers get 500. It throws only when it cannot verify at all.',
      metric: functionSum('authorizer', 'Errors'),
      ...atLeastOnce,
    },
    {
      id: 'AuthorizerFailuresAlarm',
      nameSuffix: 'authorizer-failures',
      description:
        'The authorizer cannot verify tokens (JWKS unreachable or unreadable, unexpected error): an auth outage.',
      metric: serviceSum(MetricName.AuthorizerFailures),
      ...atLeastOnce,
    },
    {
      id: 'AuthDeniedAlarm',
      nameSuffix: 'auth-denied-spike',
      description: `More than ${settings.authDeniedCount} answers of 401/403 in 5 minutes: tokens are refused en masse (issuer keys, clock, misconfiguration).`,
      metric: serviceSum(AUTH_DENIED_METRIC),
      ...atLeastOnce,
      threshold: settings.authDeniedCount,
      comparison: 'GreaterThanThreshold',
    },
  ];
  // p99 latency per route. A function that hands work to the importer (upload) waits for it up to
  // importWaitMs by design: its routes' threshold sits above that wait.
  const latency = routes.map((route): AlarmSpec => {
    const slug = routeSlug(route);
    const waitsForImport = settings.functionNeeds[route.function].needs.includes('importer');
    const threshold = waitsForImport
      ? Math.max(settings.apiLatencyP99Ms, settings.importWaitMs + 2000)
      : settings.apiLatencyP99Ms;
    return {
      id: `${pascalCase(slug)}LatencyAlarm`,
      nameSuffix: `latency-p99-${slug}`,
      description: `p99 latency of ${routeKey(route)} above ${threshold} ms in 2 of 3 periods of 5 minutes.`,
      metric: {
        kind: 'line',
        line: lineOf({ source: 'route', metric: 'Latency', statistic: 'p99' }, [route]),
      },
      periodMinutes: ALARM_PERIOD_MINUTES,
      threshold,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: 'notBreaching',
    };
  });
  return [...throttles, ...httpErrors, ...auth, ...latency];
}

/** Every alarm of the service, in the order CloudFormation and the consoles list them. */
export const alarmTable = (settings: AlarmSettings): AlarmSpec[] => [
  ...importAndApiAlarms(settings),
  ...jobAlarms(),
  ...operationsAlarms(settings),
];

/** An alarm's full name. */
export const alarmName = (servicePrefix: string, alarm: AlarmSpec): string =>
  `${servicePrefix}-${alarm.nameSuffix}`;

const PRECEDENCE = { '>': 1, '>=': 1, '<': 1, '<=': 1, '+': 2, '-': 2, '*': 3, '/': 3 } as const;

/** CloudWatch's text of an expression: `IF(requests > 0, 100 * errors / requests, 0)`. */
export function mathText(expression: MathExpression): string {
  if (typeof expression !== 'object') return String(expression);
  if (expression.op === 'IF') {
    const { condition, ifTrue, ifFalse } = expression;
    return `IF(${mathText(condition)}, ${mathText(ifTrue)}, ${mathText(ifFalse)})`;
  }
  const own = PRECEDENCE[expression.op];
  // Left-associative: a right operand of equal precedence needs its parentheses.
  const side = (operand: MathExpression, right: boolean): string => {
    const text = mathText(operand);
    if (typeof operand !== 'object' || operand.op === 'IF') return text;
    const inner = PRECEDENCE[operand.op];
    return inner < own || (right && inner === own) ? `(${text})` : text;
  };
  return `${side(expression.left, false)} ${expression.op} ${side(expression.right, true)}`;
}

/**
 * The expression's value for one period, given its metrics' values; null (no datapoint, as in
 * CloudWatch) when a metric it names has none or the result is not a number.
 */
export function evaluateMath(
  expression: MathExpression,
  values: Readonly<Record<string, number | null>>,
): number | null {
  const value = (node: MathExpression): number | null => {
    if (typeof node === 'number') return node;
    if (typeof node === 'string') return values[node] ?? null;
    if (node.op === 'IF') {
      const condition = value(node.condition);
      return condition === null ? null : value(condition !== 0 ? node.ifTrue : node.ifFalse);
    }
    const left = value(node.left);
    const right = value(node.right);
    if (left === null || right === null) return null;
    switch (node.op) {
      case '+':
        return left + right;
      case '-':
        return left - right;
      case '*':
        return left * right;
      case '/':
        return left / right;
      case '>':
        return Number(left > right);
      case '>=':
        return Number(left >= right);
      case '<':
        return Number(left < right);
      case '<=':
        return Number(left <= right);
    }
  };
  const result = value(expression);
  return result === null || !Number.isFinite(result) ? null : result;
}
