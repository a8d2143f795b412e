import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { DashboardAnswer, DashboardWidget } from '../../../infra/local/metrics/dashboard-endpoint.ts';
import { codeList, seedCodes } from '../../support/codes.ts';
import { eventually, useTestStack } from '../../support/local-stack.ts';

// The local stack's metrics, end to end: the real reserve function runs in its container, its
// Powertools EMF line is captured (never printed) and counted, the gateway counts the requests per
// route, and GET /dev/dashboard answers the deployed dashboard's widgets with those series.
const campaign = 'dash-camp';
const RESERVE_ROUTE = 'GET /v1/{campaignId}/reserve';

const local = useTestStack();
const { api } = local;
const alarmsOf = (answer: DashboardAnswer) =>
  Object.fromEntries(widget(answer, 'alarms').alarms!.map((alarm) => [alarm.name, alarm]));

const dashboard = async () => {
  const reply = await api<DashboardAnswer>('/dev/dashboard?minutes=10', { token: null });
  expect(reply.status).toBe(200);
  return reply.body;
};
const widget = (answer: DashboardAnswer, id: string): DashboardWidget => {
  const found = answer.sections.flatMap((section) => section.widgets).find((w) => w.id === id);
  if (!found) throw new Error(`no widget ${id}`);
  return found;
};
const seriesOf = (answer: DashboardAnswer, id: string, label: string) => {
  const found = widget(answer, id).series?.find((series) => series.label === label);
  if (!found) throw new Error(`no series ${label} in ${id}`);
  return found;
};
const total = (points: [number, number | null][]) => points.reduce((sum, [, value]) => sum + (value ?? 0), 0);

describe('GET /dev/dashboard', () => {
  it('answers every minute of the window, empty before any traffic', async () => {
    const answer = await dashboard();
    expect(answer.periodSeconds).toBe(60);
    expect(answer.to - answer.from).toBe(9 * 60_000);
    const reserved = seriesOf(answer, 'reservations', 'CodesReserved');
    expect(reserved.points.map(([minute]) => minute)).toEqual(
      Array.from({ length: 10 }, (_, i) => answer.from + i * 60_000),
    );
    expect(reserved.points.every(([, value]) => value === null)).toBe(true);
  });

  it('counts the codes a real reserve call reserved (CodesReserved, from its EMF line)', async () => {
    await seedCodes(campaign, 'tm', codeList('DASH-', 10));
    const first = await api<string[]>(`/v1/${campaign}/reserve?count=3&type=tm`);
    const second = await api<string[]>(`/v1/${campaign}/reserve?count=4&type=tm`);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body.length + second.body.length).toBe(7);

    const answer = await dashboard();
    const reserved = seriesOf(answer, 'reservations', 'CodesReserved');
    expect(total(reserved.points)).toBe(7);
    expect(reserved.statistic).toBe('Sum');
    // Lambda's own metrics of the reserve function, from the local runtime.
    expect(total(seriesOf(answer, 'function-errors', 'reserve').points)).toBe(0);
    expect(seriesOf(answer, 'function-duration-p99', 'reserve').points.some(([, v]) => v !== null)).toBe(
      true,
    );
  });

  it("counts the gateway's requests and 4xx per route, keyed like API Gateway's route metrics", async () => {
    const before = await dashboard();
    const requestsBefore = total(seriesOf(before, 'api-requests', RESERVE_ROUTE).points);
    const clientErrorsBefore = total(seriesOf(before, 'api-4xx', RESERVE_ROUTE).points);

    expect((await api(`/v1/${campaign}/reserve?count=1&type=tm`)).status).toBe(200);
    // No token: API Gateway's own 401, counted on the route (and as a 401/403 answer).
    expect((await api(`/v1/${campaign}/reserve?count=1&type=tm`, { token: null })).status).toBe(401);
    // Refused by the function itself.
    expect((await api(`/v1/${campaign}/reserve?count=0&type=tm`)).status).toBe(400);

    const after = await dashboard();
    expect(total(seriesOf(after, 'api-requests', RESERVE_ROUTE).points) - requestsBefore).toBe(3);
    expect(total(seriesOf(after, 'api-4xx', RESERVE_ROUTE).points) - clientErrorsBefore).toBe(2);
    expect(total(seriesOf(after, 'api-5xx', RESERVE_ROUTE).points)).toBe(0);
    expect(total(seriesOf(after, 'authorizer', '401/403 answers').points)).toBeGreaterThanOrEqual(1);
    expect(seriesOf(after, 'api-latency-p99', RESERVE_ROUTE).points.some(([, v]) => v !== null)).toBe(true);
    // The local endpoints are no route of the API: they count nowhere.
    const labels = widget(after, 'api-requests').series!.map((series) => series.label);
    expect(labels.some((label) => label.includes('/dev/'))).toBe(false);
  });

  it('puts the import-failed alarm in ALARM when a real import fails (ImportFailed, from the importer)', async () => {
    const before = alarmsOf(await dashboard());
    expect(before['code-service-import-failed']!.state).toBe('OK');
    // What the local stack cannot measure says so rather than pretending OK.
    expect(before['code-service-import-failure-queue']).toMatchObject({
      state: 'INSUFFICIENT_DATA',
      reason: expect.stringMatching(/^Not collected locally/),
    });

    // A file in a type folder the contract does not know: the importer records a permanent failure.
    await local.s3.send(
      new PutObjectCommand({
        Bucket: local.stack.bucket,
        Key: `codes/${campaign}/no-such-type/alarm.csv`,
        Body: 'code\nALARM-1\n',
      }),
    );
    const after = await eventually(
      async () => alarmsOf(await dashboard()),
      (alarms) => alarms['code-service-import-failed']!.state === 'ALARM',
      'the import-failed alarm in ALARM',
    );
    expect(after['code-service-import-failed']!.reason).toMatch(/^1 of the last 1 period of 5 minutes/);
    // Nothing else the import touched: no event failed.
    expect(after['code-service-events-failed']!.state).toBe('OK');
  });

  it('refuses a window it does not keep', async () => {
    for (const minutes of ['0', '181', 'abc', '1.5']) {
      const reply = await api<{ message: string }>(`/dev/dashboard?minutes=${minutes}`, { token: null });
      expect(reply.status, minutes).toBe(400);
      expect(reply.body.message).toMatch(/minutes/);
    }
  });
});
