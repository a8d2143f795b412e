import { type AlarmSpec, type Comparison, evaluateMath } from '../../alarms.ts';
import type { SeriesLine } from '../../dashboard.ts';
import { type LocalMetrics, lineKey, notCollectedLocally } from './local-metrics.ts';
import { MINUTE_MS, minuteOf } from './minute-series.ts';

/**
 * The alarms of the alarm table (infra/alarms.ts) evaluated over the local stack's per-minute
 * series the way CloudWatch evaluates them: the alarm's period (5 minutes: five of the local
 * minutes taken together), its last `evaluationPeriods` periods, "M out of N" datapoints and its
 * missing-data treatment. CloudWatch evaluates every minute over the latest periods; here the
 * latest period ends with the current minute, so a failure shows as soon as it is recorded.
 */

/** CloudWatch's alarm states. */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmStatus {
  name: string;
  description: string;
  state: AlarmState;
  /** Why it is in that state, in words (CloudWatch's state reason). */
  reason: string;
}

const BREACHES: Record<Comparison, { sign: string; test: (value: number, threshold: number) => boolean }> = {
  GreaterThanOrEqualToThreshold: { sign: '>=', test: (value, threshold) => value >= threshold },
  GreaterThanThreshold: { sign: '>', test: (value, threshold) => value > threshold },
  LessThanThreshold: { sign: '<', test: (value, threshold) => value < threshold },
  LessThanOrEqualToThreshold: { sign: '<=', test: (value, threshold) => value <= threshold },
};

/** The lines an alarm's metric reads. */
const linesOf = (alarm: AlarmSpec): SeriesLine[] =>
  alarm.metric.kind === 'line' ? [alarm.metric.line] : Object.values(alarm.metric.using);

/** The alarm's datapoint for the period of `alarm.periodMinutes` minutes from `start`. */
function datapoint(alarm: AlarmSpec, metrics: LocalMetrics, start: number): number | null {
  const value = (line: SeriesLine) =>
    metrics.periodStatistic(lineKey(line), line.statistic, start, alarm.periodMinutes);
  if (alarm.metric.kind === 'line') return value(alarm.metric.line);
  const values = Object.fromEntries(
    Object.entries(alarm.metric.using).map(([id, line]) => [id, value(line)]),
  );
  return evaluateMath(alarm.metric.expression, values);
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** One alarm's state at `now` over the local series. */
export function alarmStatus(alarm: AlarmSpec, name: string, metrics: LocalMetrics, now: number): AlarmStatus {
  const { description, periodMinutes, evaluationPeriods, threshold, treatMissingData } = alarm;
  const status = (state: AlarmState, reason: string): AlarmStatus => ({ name, description, state, reason });
  const missing = linesOf(alarm)
    .map(notCollectedLocally)
    .filter((reason) => reason !== null);
  if (missing.length > 0) return status('INSUFFICIENT_DATA', `Not collected locally: ${missing.join('; ')}.`);

  const latest = minuteOf(now) - (periodMinutes - 1) * MINUTE_MS;
  const values = Array.from({ length: evaluationPeriods }, (_, i) =>
    datapoint(alarm, metrics, latest - i * periodMinutes * MINUTE_MS),
  );
  const { sign, test } = BREACHES[alarm.comparison];
  const present = values.filter((value) => value !== null);
  const window = `the last ${plural(evaluationPeriods, 'period')} of ${periodMinutes} minutes`;
  if (present.length === 0) {
    if (treatMissingData === 'notBreaching') return status('OK', `No data in ${window} (not breaching).`);
    if (treatMissingData === 'breaching') return status('ALARM', `No data in ${window} (breaching).`);
    return status('INSUFFICIENT_DATA', `No data in ${window}.`);
  }
  const breaching =
    present.filter((value) => test(value, threshold)).length +
    (treatMissingData === 'breaching' ? values.length - present.length : 0);
  const needed = alarm.datapointsToAlarm ?? evaluationPeriods;
  const reason = `${breaching} of ${window} breached ${sign} ${threshold} (${needed} needed); latest datapoint: ${values[0] ?? 'none'}.`;
  return status(breaching >= needed ? 'ALARM' : 'OK', reason);
}
