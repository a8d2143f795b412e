import { type AlarmSpec, alarmName } from '../../alarms.ts';
import {
  DASHBOARD,
  type DashboardSection,
  type Statistic,
  type WidgetSpec,
  widgetLines,
} from '../../dashboard.ts';
import type { Route } from '../../routes.ts';
import { gatewayError, gatewayJson } from '../gateway/response.ts';
import type { LocalEndpoint } from '../gateway/server.ts';
import { type AlarmStatus, alarmStatus } from './alarm-states.ts';
import { type LocalMetrics, lineKey } from './local-metrics.ts';
import { MINUTE_MS, minuteOf } from './minute-series.ts';

/**
 * `GET /dev/dashboard?minutes=60` (local only, never deployed): the deployed dashboard's widgets
 * (infra/dashboard.ts, the same table the CloudWatch dashboard is built from) with the local
 * stack's per-minute series, one point per minute, ready to draw.
 */
export const DEV_DASHBOARD_PATH = '/dev/dashboard';
export const DEFAULT_DASHBOARD_MINUTES = 60;

export interface DashboardSeries {
  label: string;
  metric: string;
  statistic: Statistic;
  /** [minute start (epoch ms), value or null where the minute holds no datapoint]. */
  points: [number, number | null][];
}

export type { AlarmState, AlarmStatus } from './alarm-states.ts';

export interface DashboardWidget {
  id: string;
  title: string;
  kind: WidgetSpec['kind'];
  width: number;
  height: number;
  markdown?: string;
  /** The alarms widget: every alarm of the alarm table, in its order, with its local state. */
  alarms?: AlarmStatus[];
  series?: DashboardSeries[];
}

export interface DashboardAnswer {
  periodSeconds: 60;
  /** First and last minute's start (epoch ms), both included. */
  from: number;
  to: number;
  /** The definition's sections; a section's title stands for CloudWatch's `## title` heading. */
  sections: { title: string; widgets: DashboardWidget[] }[];
}

export interface DashboardAnswerOptions {
  /** How many minutes, ending with the current one. */
  minutes: number;
  now: number;
  routes: readonly Route[];
  /** What the alarms widget lists: the alarm table (infra/alarms.ts) and the names' prefix. */
  alarms?: { servicePrefix: string; table: readonly AlarmSpec[] };
  sections?: readonly DashboardSection[];
}

function widgetAnswer(
  widget: WidgetSpec,
  metrics: LocalMetrics,
  { routes, alarms, now }: DashboardAnswerOptions,
  from: number,
  to: number,
): DashboardWidget {
  const { id, title, kind, width, height } = widget;
  const base = { id, title, kind, width, height };
  switch (widget.kind) {
    case 'text':
      return { ...base, markdown: widget.markdown };
    case 'alarms':
      return {
        ...base,
        alarms: (alarms?.table ?? []).map((alarm) =>
          alarmStatus(alarm, alarmName(alarms!.servicePrefix, alarm), metrics, now),
        ),
      };
    case 'graph': {
      const { left, right } = widgetLines(widget, routes);
      return {
        ...base,
        series: [...left, ...right].map((line) => ({
          label: line.label,
          metric: line.metric,
          statistic: line.statistic,
          points: metrics.points(lineKey(line), line.statistic, from, to),
        })),
      };
    }
  }
}

/** The answer of `GET /dev/dashboard`: every widget of the definition, in its order, with its series. */
export function dashboardAnswer(metrics: LocalMetrics, options: DashboardAnswerOptions): DashboardAnswer {
  const to = minuteOf(options.now);
  const from = to - (options.minutes - 1) * MINUTE_MS;
  return {
    periodSeconds: 60,
    from,
    to,
    sections: (options.sections ?? DASHBOARD).map((section) => ({
      title: section.title,
      widgets: section.widgets.map((widget) => widgetAnswer(widget, metrics, options, from, to)),
    })),
  };
}

/** The gateway's `GET /dev/dashboard` endpoint over the stack's metrics. */
export function dashboardEndpoint(
  metrics: LocalMetrics,
  options: Omit<DashboardAnswerOptions, 'minutes' | 'now'>,
): LocalEndpoint {
  return {
    method: 'GET',
    path: DEV_DASHBOARD_PATH,
    handle: (request) => {
      const asked = new URL(request.target, 'http://localhost').searchParams.get('minutes');
      const minutes = asked === null ? DEFAULT_DASHBOARD_MINUTES : Number(asked);
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > metrics.retentionMinutes) {
        return gatewayError(400, `minutes must be a whole number from 1 to ${metrics.retentionMinutes}`);
      }
      return gatewayJson(200, dashboardAnswer(metrics, { ...options, minutes, now: Date.now() }));
    },
  };
}
