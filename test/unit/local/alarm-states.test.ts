import { describe, expect, it } from 'vitest';
import { type AlarmSpec, alarmName, evaluateMath, mathText } from '../../../infra/alarms.ts';
import { alarmStatus } from '../../../infra/local/metrics/alarm-states.ts';
import { LocalMetrics } from '../../../infra/local/metrics/local-metrics.ts';
import { MINUTE_MS } from '../../../infra/local/metrics/minute-series.ts';
import { localAlarmTable } from '../../../infra/local/stack.ts';

// 12:04:30 — the latest 5-minute period is 12:00–12:05, the one before 11:55–12:00.
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const NOW = T0 + 4 * MINUTE_MS + 30_000;
const table = localAlarmTable();
const named = (suffix: string): AlarmSpec => {
  const found = table.find((alarm) => alarm.nameSuffix === suffix);
  if (!found) throw new Error(`no alarm ${suffix}`);
  return found;
};
const stateOf = (suffix: string, metrics: LocalMetrics, now = NOW) =>
  alarmStatus(named(suffix), alarmName('code-service', named(suffix)), metrics, now);
const request = (statusCode: number, at: number) => ({
  routeKey: 'GET /v1/{campaignId}/reserve',
  statusCode,
  latencyMs: 20,
  at,
});

describe('the alarm table', () => {
  it('renders its metric math as CloudWatch text and evaluates it the same way', () => {
    const rate = named('api-5xx-rate').metric;
    if (rate.kind !== 'math') throw new Error('the 5xx rate is metric math');
    expect(mathText(rate.expression)).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    expect(evaluateMath(rate.expression, { errors: 1, requests: 4 })).toBe(25);
    expect(evaluateMath(rate.expression, { errors: 0, requests: 0 })).toBe(0);
    expect(evaluateMath(rate.expression, { errors: null, requests: null })).toBeNull();
    expect(mathText({ op: '/', left: 'a', right: { op: '*', left: 'b', right: 'c' } })).toBe('a / (b * c)');
    expect(mathText({ op: '*', left: { op: '+', left: 'a', right: 1 }, right: 2 })).toBe('(a + 1) * 2');
  });
});

describe('local alarm states (evaluated as CloudWatch evaluates the alarm)', () => {
  it('is OK with no data when missing data is not breaching', () => {
    const status = stateOf('import-failed', new LocalMetrics());
    expect(status).toMatchObject({ name: 'code-service-import-failed', state: 'OK' });
    expect(status.reason).toMatch(/No data/);
  });

  it('goes to ALARM on the first datapoint over the threshold in its 5-minute period, OK once it has passed', () => {
    const metrics = new LocalMetrics();
    metrics.record('service ImportFailed', 1, T0 + 60_000);
    expect(stateOf('import-failed', metrics).state).toBe('ALARM');
    // Ten minutes later the failure is outside the one evaluated period.
    expect(stateOf('import-failed', metrics, NOW + 10 * MINUTE_MS).state).toBe('OK');
  });

  it('sums the five minutes of a period (pool sweep errors: 3 in 5 minutes)', () => {
    const metrics = new LocalMetrics();
    const failed = (at: number) => metrics.recordInvocation('poolSweep', { durationMs: 5, failed: true, at });
    failed(T0);
    failed(T0 + MINUTE_MS);
    expect(stateOf('pool-sweep-errors', metrics).state).toBe('OK');
    failed(T0 + 3 * MINUTE_MS);
    expect(stateOf('pool-sweep-errors', metrics).state).toBe('ALARM');
  });

  it('needs 2 bad periods of 3 for the API 5xx rate (the stage: every route)', () => {
    const metrics = new LocalMetrics();
    metrics.recordRequest(request(500, T0 + MINUTE_MS));
    metrics.recordRequest(request(200, T0 + MINUTE_MS));
    const one = stateOf('api-5xx-rate', metrics);
    expect(one.state).toBe('OK');
    expect(one.reason).toMatch(
      /^1 of the last 3 periods of 5 minutes breached > 1 \(2 needed\); latest datapoint: 50/,
    );
    metrics.recordRequest({ ...request(502, T0 - 2 * MINUTE_MS), routeKey: undefined });
    expect(stateOf('api-5xx-rate', metrics).state).toBe('ALARM');
  });

  it('takes p99 latency over the whole period', () => {
    const metrics = new LocalMetrics();
    const route = named('latency-p99-get-v1-campaignid-reserve');
    for (let i = 0; i < 100; i++)
      metrics.recordRequest({ ...request(200, T0 + (i % 5) * MINUTE_MS), latencyMs: 10 });
    metrics.recordRequest({ ...request(200, T0 - MINUTE_MS), latencyMs: route.threshold + 1 });
    metrics.recordRequest({ ...request(200, T0 - 2 * MINUTE_MS), latencyMs: route.threshold + 1 });
    // One slow period out of three: not yet.
    expect(stateOf(route.nameSuffix, metrics).state).toBe('OK');
    metrics.recordRequest({ ...request(200, T0 + 2 * MINUTE_MS), latencyMs: route.threshold + 1 });
    metrics.recordRequest({ ...request(200, T0 + 3 * MINUTE_MS), latencyMs: route.threshold + 1 });
    expect(stateOf(route.nameSuffix, metrics).state).toBe('ALARM');
  });

  it('says INSUFFICIENT_DATA, and why, for what the local stack cannot measure', () => {
    const metrics = new LocalMetrics();
    expect(stateOf('import-failure-queue', metrics)).toMatchObject({
      state: 'INSUFFICIENT_DATA',
      reason: expect.stringMatching(/^Not collected locally: .*SQS/),
    });
    expect(stateOf('reserve-throttles', metrics)).toMatchObject({
      state: 'INSUFFICIENT_DATA',
      reason: expect.stringMatching(/^Not collected locally: .*throttled/),
    });
    // The 401/403 count is the gateway's own: collected.
    expect(stateOf('auth-denied-spike', metrics).state).toBe('OK');
  });
});
