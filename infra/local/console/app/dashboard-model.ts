import type { AlarmState, DashboardAnswer, DashboardSeries } from '../../metrics/dashboard-endpoint.ts';

/**
 * The answer of `GET /dev/dashboard?minutes=` — the local metrics laid out by the one dashboard
 * definition the CDK monitoring construct also reads (infra/dashboard.ts) — and what the console
 * derives from it.
 */
export type {
  AlarmState,
  AlarmStatus,
  DashboardAnswer,
  DashboardSeries,
  DashboardWidget,
} from '../../metrics/dashboard-endpoint.ts';

/** The series' sum over the window (what a Sum graph's bars add up to), nulls left out. */
export const seriesSum = (series: DashboardSeries): number =>
  series.points.reduce((sum, [, value]) => sum + (value ?? 0), 0);

/** The minutes at which any series has a value, ascending (a widget's data table rows). */
export function minutesWithData(series: readonly DashboardSeries[]): number[] {
  const minutes = new Set<number>();
  for (const one of series) for (const [at, value] of one.points) if (value !== null) minutes.add(at);
  return [...minutes].sort((a, b) => a - b);
}

/** A key that changes when the layout does (widgets added, moved, resized, series renamed). */
export const layoutKey = (answer: DashboardAnswer): string =>
  JSON.stringify(
    answer.sections.map((section) => [
      section.title,
      section.widgets.map((w) => [w.id, w.kind, w.width, w.height, w.series?.map((s) => s.label) ?? []]),
    ]),
  );

const STATE_ORDER: Record<AlarmState, number> = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };

/** Alarms in ALARM first, then INSUFFICIENT_DATA, then OK; the alarm table's order within each. */
export const alarmsFirst = <T extends { state: AlarmState }>(alarms: readonly T[]): T[] =>
  [...alarms].sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state]);
