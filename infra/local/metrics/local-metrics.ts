import {
  AUTH_DENIED_METRIC,
  DASHBOARD_RANGE_HOURS,
  type FunctionMetricName,
  type RouteMetricName,
  type SeriesLine,
  type Statistic,
} from '../../dashboard.ts';
import { routeKey } from '../../routes.ts';
import type { AnsweredRequest } from '../gateway/server.ts';
import type { InvocationOutcome } from '../runtime/container.ts';
import { MINUTE_MS, MinuteSeries } from './minute-series.ts';

/**
 * The local stack's stand-in for CloudWatch metrics: per-minute series (minute-series.ts) of
 * - the functions' own EMF metrics (what Powertools Metrics prints; the local stack captures the
 *   lines instead of printing them, see runtime/function-worker.mjs),
 * - Lambda's metrics of each function (Invocations, Errors, Duration), from the local runtime,
 * - API Gateway's per-route metrics (Count, 4xx, 5xx, Latency) and the access log's 401/403 count
 *   (ApiAuthDenied), from the local gateway,
 * each under the key the dashboard definition's lines name (lineKey), for `GET /dev/dashboard`.
 * Memory is bounded: the last DASHBOARD_RANGE_HOURS of minutes, a bounded sample per minute.
 */

/** The series a dashboard line reads. */
export function lineKey(line: SeriesLine): string {
  switch (line.source) {
    case 'service':
      return serviceKey(line.metric);
    case 'route':
      return routeMetricKey(line.metric, routeKey(line.route));
    case 'stage':
      return stageMetricKey(line.metric);
    case 'function':
      return functionMetricKey(line.metric, line.functionId);
    case 'queue':
      return `queue ${line.queue} ${line.metric}`;
  }
}
const serviceKey = (metric: string) => `service ${metric}`;
const routeMetricKey = (metric: RouteMetricName, key: string) => `route ${key} ${metric}`;
const stageMetricKey = (metric: RouteMetricName) => `stage ${metric}`;
const functionMetricKey = (metric: FunctionMetricName, functionId: string) =>
  `function ${functionId} ${metric}`;

/**
 * Why the local stack has no series for a line (null when it has one): its stand-ins produce the
 * functions' EMF, Lambda's Invocations/Errors/Duration and API Gateway's metrics, nothing else.
 */
export function notCollectedLocally(line: SeriesLine): string | null {
  if (line.source === 'queue') return 'the local stack has no SQS queues (failed work stays in the logs)';
  if (line.source === 'function' && line.metric === 'Throttles') {
    return 'the local runtime has no reserved concurrency, so nothing is ever throttled';
  }
  return null;
}

/** One EMF document (`{"_aws": {...}, "<metric>": value, ...}`). */
interface EmfDocument {
  _aws?: {
    Timestamp?: number;
    CloudWatchMetrics?: { Dimensions?: string[][]; Metrics?: { Name?: string }[] }[];
  };
  [field: string]: unknown;
}

export class LocalMetrics {
  private readonly series = new Map<string, MinuteSeries>();
  readonly retentionMinutes: number;

  constructor(options: { retentionMinutes?: number } = {}) {
    this.retentionMinutes = options.retentionMinutes ?? DASHBOARD_RANGE_HOURS * 60;
  }

  record(key: string, value: number, at: number): void {
    let series = this.series.get(key);
    if (!series) {
      series = new MinuteSeries(this.retentionMinutes);
      this.series.set(key, series);
    }
    series.record(value, at);
  }

  /**
   * The metrics of one EMF line a function printed. Only metrics whose dimension set is the one
   * the dashboard asks for (`service` alone, contract §6) are kept; Powertools' ColdStart metric
   * (by function_name) has no place on the dashboard. A line that is not EMF is ignored.
   */
  recordEmf(line: string): void {
    let document: EmfDocument;
    try {
      document = JSON.parse(line) as EmfDocument;
    } catch {
      return;
    }
    const at = document._aws?.Timestamp ?? Date.now();
    for (const directive of document._aws?.CloudWatchMetrics ?? []) {
      if (!directive.Dimensions?.some((set) => set.length === 1 && set[0] === 'service')) continue;
      for (const { Name } of directive.Metrics ?? []) {
        const value = Name === undefined ? undefined : document[Name];
        // A metric added several times in one flush is an array of values.
        for (const one of Array.isArray(value) ? value : [value]) {
          if (typeof one === 'number') this.record(serviceKey(Name!), one, at);
        }
      }
    }
  }

  /** Lambda's metrics of an invocation: Invocations 1, Errors 0 or 1 (its Average is the error rate), Duration. */
  recordInvocation(functionId: string, { durationMs, failed, at }: InvocationOutcome): void {
    this.record(functionMetricKey('Invocations', functionId), 1, at);
    this.record(functionMetricKey('Errors', functionId), failed ? 1 : 0, at);
    this.record(functionMetricKey('Duration', functionId), durationMs, at);
  }

  /**
   * API Gateway's per-route metrics of a request (Count 1, 4xx and 5xx 0 or 1, Latency), and the
   * deployed access log's metric filter: 401/403 answers count as ApiAuthDenied.
   */
  recordRequest({ routeKey: route, statusCode, latencyMs, at }: AnsweredRequest): void {
    if (statusCode === 401 || statusCode === 403) this.record(serviceKey(AUTH_DENIED_METRIC), 1, at);
    const metrics: [RouteMetricName, number][] = [
      ['Count', 1],
      ['4xx', statusCode >= 400 && statusCode < 500 ? 1 : 0],
      ['5xx', statusCode >= 500 ? 1 : 0],
      ['Latency', latencyMs],
    ];
    // The stage's metrics count every request, those no route matched too.
    for (const [metric, value] of metrics) {
      this.record(stageMetricKey(metric), value, at);
      if (route !== undefined) this.record(routeMetricKey(metric, route), value, at);
    }
  }

  /**
   * The statistic of a period of `minutes` minutes starting at `from` (a minute start), as
   * CloudWatch aggregates a longer period; null when the period holds no datapoint.
   */
  periodStatistic(key: string, statistic: Statistic, from: number, minutes: number): number | null {
    return this.series.get(key)?.statisticOver(from, minutes, statistic) ?? null;
  }

  /** One point per minute from `from` to `to` (minute starts, both included); null where no data. */
  points(key: string, statistic: Statistic, from: number, to: number): [number, number | null][] {
    const series = this.series.get(key);
    const points: [number, number | null][] = [];
    for (let minute = from; minute <= to; minute += MINUTE_MS) {
      points.push([minute, series ? series.statistic(minute, statistic) : null]);
    }
    return points;
  }
}
