import { describe, expect, it } from 'vitest';
import { dashboardAnswer } from '../../../infra/local/metrics/dashboard-endpoint.ts';
import { LocalMetrics } from '../../../infra/local/metrics/local-metrics.ts';
import { MINUTE_MS, MinuteSeries, PERCENTILE_SAMPLES } from '../../../infra/local/metrics/minute-series.ts';
import { ROUTES } from '../../../infra/routes.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('MinuteSeries: one-minute periods aggregated as CloudWatch does', () => {
  const series = new MinuteSeries(180);
  // Minute 0: 1..100 (in a shuffled order); minute 1: 7 and 3.
  const values = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
  for (const [i, value] of values.entries()) series.record(value, T0 + (i % 60) * 1000);
  series.record(7, T0 + MINUTE_MS + 59_999);
  series.record(3, T0 + MINUTE_MS);

  it('keeps each minute apart', () => {
    expect(series.statistic(T0, 'Sum')).toBe(5050);
    expect(series.statistic(T0 + MINUTE_MS, 'Sum')).toBe(10);
    expect(series.statistic(T0 + 2 * MINUTE_MS, 'Sum')).toBeNull();
  });

  it('answers SampleCount, Average, Minimum, Maximum and percentiles (nearest rank)', () => {
    expect(series.statistic(T0, 'SampleCount')).toBe(100);
    expect(series.statistic(T0, 'Average')).toBe(50.5);
    expect(series.statistic(T0, 'Minimum')).toBe(1);
    expect(series.statistic(T0, 'Maximum')).toBe(100);
    expect(series.statistic(T0, 'p99')).toBe(99);
    expect(series.statistic(T0, 'p50')).toBe(50);
    expect(series.statistic(T0 + MINUTE_MS, 'Average')).toBe(5);
    expect(series.statistic(T0 + MINUTE_MS, 'Maximum')).toBe(7);
    expect(series.statistic(T0 + MINUTE_MS, 'p99')).toBe(7);
  });

  it('keeps a bounded sample for percentiles beyond PERCENTILE_SAMPLES values, the other statistics exact', () => {
    // A fixed pseudo-random sequence (an LCG): the same sample on every run.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const big = new MinuteSeries(180, random);
    const n = PERCENTILE_SAMPLES * 20;
    for (let i = 1; i <= n; i++) big.record(i, T0);
    expect(big.statistic(T0, 'SampleCount')).toBe(n);
    expect(big.statistic(T0, 'Sum')).toBe((n * (n + 1)) / 2);
    expect(big.statistic(T0, 'Maximum')).toBe(n);
    // A uniform sample of 1000 out of 20 000: its p99 lies near the true p99 (19 800).
    expect(Math.abs(big.statistic(T0, 'p99')! - 0.99 * n)).toBeLessThan(0.02 * n);
  });

  it('forgets minutes older than its retention', () => {
    const short = new MinuteSeries(3);
    for (let minute = 0; minute < 5; minute++) short.record(1, T0 + minute * MINUTE_MS);
    expect(short.size).toBe(3);
    expect(short.statistic(T0 + MINUTE_MS, 'Sum')).toBeNull();
    expect(short.statistic(T0 + 2 * MINUTE_MS, 'Sum')).toBe(1);
    // A late datapoint for an expired minute is dropped, not revived.
    short.record(1, T0);
    expect(short.size).toBe(3);
  });
});

describe('LocalMetrics', () => {
  it('reads EMF lines: metrics with the `service` dimension alone, values single or repeated', () => {
    const metrics = new LocalMetrics();
    metrics.recordEmf(
      JSON.stringify({
        _aws: {
          Timestamp: T0 + 5000,
          CloudWatchMetrics: [
            {
              Namespace: 'CodeService',
              Dimensions: [['service']],
              Metrics: [
                { Name: 'CodesReserved', Unit: 'Count' },
                { Name: 'ReserveShortfall', Unit: 'Count' },
              ],
            },
          ],
        },
        service: 'code-service',
        CodesReserved: [3, 4],
        ReserveShortfall: 1,
      }),
    );
    // Powertools' ColdStart metric, by function_name: not on the dashboard.
    metrics.recordEmf(
      JSON.stringify({
        _aws: {
          Timestamp: T0,
          CloudWatchMetrics: [
            {
              Namespace: 'CodeService',
              Dimensions: [['service', 'function_name']],
              Metrics: [{ Name: 'ColdStart' }],
            },
          ],
        },
        service: 'code-service',
        function_name: 'reserve',
        ColdStart: 1,
      }),
    );
    metrics.recordEmf('not json');
    const answer = dashboardAnswer(metrics, { minutes: 2, now: T0 + MINUTE_MS, routes: ROUTES });
    const reservations = answer.sections
      .flatMap((section) => section.widgets)
      .find((widget) => widget.id === 'reservations')!;
    expect(reservations.series).toEqual([
      {
        label: 'CodesReserved',
        metric: 'CodesReserved',
        statistic: 'Sum',
        points: [
          [T0, 7],
          [T0 + MINUTE_MS, null],
        ],
      },
      {
        label: 'ReserveShortfall',
        metric: 'ReserveShortfall',
        statistic: 'Sum',
        points: [
          [T0, 1],
          [T0 + MINUTE_MS, null],
        ],
      },
    ]);
  });

  it('answers a window of whole minutes ending with the current one', () => {
    const answer = dashboardAnswer(new LocalMetrics(), {
      minutes: 60,
      now: T0 + 59 * MINUTE_MS + 30_000,
      routes: ROUTES,
    });
    expect(answer).toMatchObject({ periodSeconds: 60, from: T0, to: T0 + 59 * MINUTE_MS });
    const [first] = answer.sections[0]!.widgets;
    expect(first!.series![0]!.points).toHaveLength(60);
  });
});
