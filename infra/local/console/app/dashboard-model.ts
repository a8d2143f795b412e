/**
 * The answer of `GET /dev/dashboard?minutes=` (the local metrics, laid out by the one dashboard
 * definition the CDK monitoring construct also reads): sections of widgets, each graph with its
 * per-minute series.
 */
export interface DashboardAnswer {
  periodSeconds: number;
  /** Epoch ms. */
  from: number;
  to: number;
  sections: DashboardSection[];
}

export interface DashboardSection {
  title: string;
  widgets: DashboardWidget[];
}

export interface DashboardWidget {
  /** Stable across answers: the console keeps a chart per id. */
  id: string;
  /** The CloudWatch widget's title. */
  title: string;
  kind: 'graph' | 'text' | 'alarms';
  /** CloudWatch's grid: 24 columns wide. */
  width: number;
  height: number;
  markdown?: string;
  alarms?: { name: string; description: string }[];
  series?: DashboardSeries[];
}

export interface DashboardSeries {
  label: string;
  metric: string;
  statistic: string;
  /** [minute start (epoch ms), value or null when nothing was recorded] */
  points: [number, number | null][];
}

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
