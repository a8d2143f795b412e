import uPlot from 'uplot';
import { devGet } from './api.ts';
import {
  type AlarmStatus,
  alarmsFirst,
  type DashboardAnswer,
  type DashboardWidget,
  layoutKey,
  minutesWithData,
  seriesSum,
} from './dashboard-model.ts';
import { byId, formatNumber, formatTime, h } from './dom.ts';
import { renderMarkdown } from './markdown.ts';

/** Pixels per CloudWatch grid row (a height-6 graph ≈ 300 px, as in the CloudWatch console). */
const ROW_PX = 48;
/** CloudWatch's default graph palette, so a series has the colour it has there. */
const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** One graph widget: its uPlot chart and the data table under it (the chart's text alternative). */
class GraphWidget {
  readonly element: HTMLElement;
  private readonly plotArea: HTMLDivElement;
  private readonly table: HTMLTableElement;
  private readonly empty: HTMLParagraphElement;
  private plot: uPlot | undefined;
  private window: [number, number] = [0, 0];

  constructor(private readonly widget: DashboardWidget) {
    const titleId = `widget-${widget.id}-title`;
    this.plotArea = h('div', {
      class: 'plot',
      role: 'img',
      'aria-label': `${widget.title}: ${(widget.series ?? []).map((s) => s.label).join(', ') || 'no series'}, per minute (the table below lists the values)`,
    });
    this.empty = h('p', { class: 'plot-empty' }, 'No data in this window');
    this.table = h('table', { class: 'series-table' });
    this.element = h(
      'figure',
      {
        class: 'widget graph',
        'data-widget-id': widget.id,
        'data-kind': 'graph',
        'aria-labelledby': titleId,
        style: `--span: ${clampWidth(widget.width)}; min-height: ${widget.height * ROW_PX}px`,
      },
      h('figcaption', {}, h('h4', { id: titleId }, widget.title)),
      h('div', { class: 'plot-frame' }, this.plotArea, this.empty),
      h('details', {}, h('summary', {}, `Data: ${widget.title}`), this.table),
    );
  }

  /** Draws (first time) or redraws the series of this answer. */
  update(widget: DashboardWidget, answer: DashboardAnswer): void {
    const series = widget.series ?? [];
    this.window = [answer.from / 1000, answer.to / 1000];
    const xs = series[0]?.points.map(([at]) => at / 1000) ?? [];
    const data: uPlot.AlignedData = [xs, ...series.map((s) => s.points.map(([, value]) => value))];
    const hasData = series.some((s) => s.points.some(([, value]) => value !== null));
    this.empty.hidden = hasData;
    this.element.dataset.hasData = String(hasData);
    if (!this.plot) this.plot = this.createPlot(widget, data);
    else this.plot.setData(data);
    this.renderTable(widget);
  }

  private createPlot(widget: DashboardWidget, data: uPlot.AlignedData): uPlot {
    const size = this.size();
    const plot = new uPlot(
      {
        ...size,
        scales: { x: { time: true, range: () => this.window } },
        series: [
          { label: 'Minute', value: (_u, seconds) => (seconds == null ? '—' : formatTime(seconds * 1000)) },
          ...(widget.series ?? []).map((s, i) => ({
            label: s.label,
            stroke: PALETTE[i % PALETTE.length]!,
            width: 2,
            points: { show: true, size: 5 },
            value: (_u: uPlot, value: number | null) => (value == null ? '—' : formatNumber(value)),
          })),
        ],
        axes: [{}, { size: 60, values: (_u, ticks) => ticks.map((tick) => formatNumber(tick)) }],
        // The legend names the series; the values are in the data table below the chart.
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      this.plotArea,
    );
    new ResizeObserver(() => plot.setSize(this.size())).observe(this.element);
    return plot;
  }

  private size(): { width: number; height: number } {
    const width = Math.max(200, this.element.clientWidth - 24);
    // The rest of the widget's height: its title, the legend's lines and the data table's summary.
    return { width, height: Math.max(120, this.widget.height * ROW_PX - 100) };
  }

  /** Every minute with a value: the numbers the chart drew, readable and testable as text. */
  private renderTable(widget: DashboardWidget): void {
    const series = widget.series ?? [];
    const minutes = minutesWithData(series);
    const byMinute = series.map((s) => new Map(s.points));
    this.table.replaceChildren(
      h('caption', {}, `${widget.title}, per ${'minute'}`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Minute'),
          ...series.map((s) =>
            h(
              'th',
              { scope: 'col', 'data-series-label': s.label, 'data-sum': seriesSum(s) },
              `${s.label} (${s.statistic})`,
            ),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...minutes.map((minute) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, formatTime(minute)),
            ...byMinute.map((values) => {
              const value = values.get(minute);
              return h('td', {}, value == null ? '—' : formatNumber(value));
            }),
          ),
        ),
      ),
    );
  }
}

const clampWidth = (width: number): number => Math.min(24, Math.max(1, Math.round(width)));

/** The frame of a widget that is not a chart: its title, then its body. */
function widgetFrame(widget: DashboardWidget, ...body: Node[]): HTMLElement {
  const titleId = `widget-${widget.id}-title`;
  return h(
    'section',
    {
      class: `widget ${widget.kind}`,
      'data-widget-id': widget.id,
      'data-kind': widget.kind,
      'aria-labelledby': titleId,
      style: `--span: ${clampWidth(widget.width)}`,
    },
    h('h4', { id: titleId }, widget.title),
    ...body,
  );
}

/**
 * The alarms widget: every alarm with its state as text (not colour only), those in ALARM first,
 * redrawn on every answer (states change without the layout changing).
 */
class AlarmsWidget {
  readonly element: HTMLElement;
  private readonly summary = h('p', { class: 'alarm-summary', role: 'status' });
  private readonly list = h('ul', { class: 'alarms' });

  constructor(widget: DashboardWidget) {
    this.element = widgetFrame(
      widget,
      h(
        'p',
        { class: 'note' },
        'Evaluated locally over the local series as CloudWatch evaluates them (period, datapoints, missing data); the deployed states live in CloudWatch.',
      ),
      this.summary,
      this.list,
    );
  }

  update(widget: DashboardWidget): void {
    const alarms = alarmsFirst(widget.alarms ?? []);
    const count = (state: AlarmStatus['state']) => alarms.filter((alarm) => alarm.state === state).length;
    this.summary.textContent =
      alarms.length === 0
        ? 'No alarms listed.'
        : `${count('ALARM')} in ALARM, ${count('INSUFFICIENT_DATA')} INSUFFICIENT_DATA, ${count('OK')} OK.`;
    this.list.replaceChildren(
      ...alarms.map((alarm) =>
        h(
          'li',
          { 'data-alarm-name': alarm.name, 'data-state': alarm.state },
          h('span', { class: `alarm-state state-${alarm.state.toLowerCase()}` }, alarm.state),
          ' ',
          h('strong', {}, alarm.name),
          alarm.description ? ` — ${alarm.description}` : '',
          h('br', {}),
          h('small', { class: 'alarm-reason' }, alarm.reason),
        ),
      ),
    );
  }
}

/** The dashboard section of the page: rebuilt when the layout changes, redrawn on every answer. */
export class DashboardView {
  private layout = '';
  private graphs = new Map<string, GraphWidget>();
  private alarms = new Map<string, AlarmsWidget>();

  private readonly range = byId<HTMLSelectElement>('dashboard-minutes');

  /** @param onRangeChange asks for a refresh now (the time range select changed). */
  constructor(onRangeChange: () => void) {
    const wanted = new URL(location.href).searchParams.get('minutes');
    if (wanted && [...this.range.options].some((option) => option.value === wanted))
      this.range.value = wanted;
    this.range.addEventListener('change', () => {
      const url = new URL(location.href);
      url.searchParams.set('minutes', this.range.value);
      history.replaceState(null, '', url);
      onRangeChange();
    });
  }

  async refresh(): Promise<void> {
    const answer = await devGet<DashboardAnswer>(`/dev/dashboard?minutes=${this.range.value}`);
    // from and to are the first and last points' starts: the window ends a period after `to`.
    const end = answer.to + answer.periodSeconds * 1000;
    byId('dashboard-range').textContent =
      `the last ${Math.round((end - answer.from) / 60_000)} minutes (${formatTime(answer.from)}–${formatTime(end)}), ${answer.periodSeconds} s per point.`;
    const key = layoutKey(answer);
    if (key !== this.layout) this.build(answer, key);
    for (const section of answer.sections) {
      for (const widget of section.widgets) {
        this.graphs.get(widget.id)?.update(widget, answer);
        this.alarms.get(widget.id)?.update(widget);
      }
    }
  }

  private build(answer: DashboardAnswer, key: string): void {
    this.layout = key;
    this.graphs = new Map();
    this.alarms = new Map();
    const container = byId('dashboard-sections');
    container.replaceChildren(
      ...answer.sections.map((section, index) => {
        const titleId = `dashboard-section-${index}`;
        return h(
          'section',
          { class: 'dashboard-section', 'aria-labelledby': titleId },
          h('h3', { id: titleId }, section.title),
          h('div', { class: 'widget-grid' }, ...section.widgets.map((widget) => this.widgetElement(widget))),
        );
      }),
    );
  }

  private widgetElement(widget: DashboardWidget): HTMLElement {
    if (widget.kind === 'text') return widgetFrame(widget, renderMarkdown(widget.markdown ?? ''));
    if (widget.kind === 'alarms') {
      const alarms = new AlarmsWidget(widget);
      this.alarms.set(widget.id, alarms);
      return alarms.element;
    }
    const graph = new GraphWidget(widget);
    this.graphs.set(widget.id, graph);
    return graph.element;
  }
}
