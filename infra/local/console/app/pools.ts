import type * as z from 'zod';
import type { poolViewSchema } from '../../../../lib/pools/settings.ts';
import { api, devGet, segment } from './api.ts';
import { byId, formatDateTime, formatNumber, h, say } from './dom.ts';

/** A pool the database knows of (`GET /dev/pools`). */
export interface PoolScope {
  campaignId: string;
  type: string;
}

/** Route 10's answer, as the API document describes it (README "Pool"). */
type PoolView = z.infer<typeof poolViewSchema>;

const poolPath = (pool: PoolScope) => `/v1/${segment(pool.campaignId)}/pools/${segment(pool.type)}`;
const rowKey = (pool: PoolScope) => `${pool.campaignId}\n${pool.type}`;

/** One table row per pool. Its form is kept across refreshes, so a refresh never eats typing. */
class PoolRow {
  readonly element: HTMLTableRowElement;
  private readonly cells: Record<
    'available' | 'reserved' | 'assigned' | 'threshold' | 'levels' | 'alerted' | 'lastAlert',
    HTMLTableCellElement
  >;

  constructor(private readonly pool: PoolScope) {
    const cell = (name: string) => h('td', { 'data-field': name });
    this.cells = {
      available: cell('available'),
      reserved: cell('reserved'),
      assigned: cell('assigned'),
      threshold: cell('lowStockThreshold'),
      levels: cell('levels'),
      alerted: cell('alertedLevel'),
      lastAlert: cell('lastAlert'),
    };
    const inputId = `threshold-${pool.campaignId}-${pool.type}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const input = h('input', {
      id: inputId,
      type: 'number',
      min: 0,
      max: 10_000_000,
      step: 1,
      inputmode: 'numeric',
      placeholder: 'none',
    });
    const form = h(
      'form',
      { class: 'threshold-form' },
      h('label', { for: inputId }, `Low-stock threshold for ${pool.campaignId} / ${pool.type}`),
      input,
      h('button', { type: 'submit' }, 'Set'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value.trim();
      // An empty field clears the threshold (no alerts), as `{"lowStockThreshold": null}` does.
      const threshold = text === '' ? null : Number(text);
      this.save(threshold).catch((error: unknown) => say((error as Error).message, true));
    });
    this.element = h(
      'tr',
      { 'data-campaign': pool.campaignId, 'data-type': pool.type },
      h('th', { scope: 'row' }, pool.campaignId),
      h('td', {}, pool.type),
      this.cells.available,
      this.cells.reserved,
      this.cells.assigned,
      this.cells.threshold,
      this.cells.levels,
      this.cells.alerted,
      this.cells.lastAlert,
      h('td', {}, form),
    );
  }

  /** The only write the console makes, and only on the user's request (route 11). */
  private async save(threshold: number | null): Promise<void> {
    const view = await api<PoolView>('PUT', poolPath(this.pool), { lowStockThreshold: threshold });
    this.show(view);
    say(`Low-stock threshold of ${this.pool.campaignId} / ${this.pool.type} set to ${threshold ?? 'none'}.`);
  }

  async refresh(): Promise<void> {
    this.show(await api<PoolView>('GET', poolPath(this.pool)));
  }

  private show(view: PoolView): void {
    const { cells } = this;
    cells.available.textContent = formatNumber(view.counts.available);
    cells.reserved.textContent = formatNumber(view.counts.reserved);
    cells.assigned.textContent = formatNumber(view.counts.assigned);
    cells.threshold.textContent =
      view.lowStockThreshold === null ? 'none' : formatNumber(view.lowStockThreshold);
    cells.levels.textContent = view.levels.length === 0 ? '—' : view.levels.map(formatNumber).join(' · ');
    cells.alerted.textContent = view.alertedLevel === null ? 'all armed' : formatNumber(view.alertedLevel);
    cells.lastAlert.textContent = view.lastAlert
      ? `${view.lastAlert.level === 0 ? 'Pool Empty' : `Pool Low (${formatNumber(view.lastAlert.level)})`}, ${formatNumber(view.lastAlert.available)} available, ${formatDateTime(view.lastAlert.at)}`
      : '—';
    const low = view.lowStockThreshold !== null && view.counts.available <= view.lowStockThreshold;
    this.element.classList.toggle('low', low);
  }
}

/** The pools table: one row per pool the database knows of, each read through route 10. */
export class PoolsView {
  private readonly rows = new Map<string, PoolRow>();
  private known: PoolScope[] = [];

  /** The pools listed by the last refresh (the imports view offers their campaigns). */
  get pools(): readonly PoolScope[] {
    return this.known;
  }

  async refresh(): Promise<void> {
    const { pools } = await devGet<{ pools: PoolScope[] }>('/dev/pools');
    this.known = pools;
    const added = pools.filter((pool) => !this.rows.has(rowKey(pool)));
    for (const pool of added) this.rows.set(rowKey(pool), new PoolRow(pool));
    // Rows move only when a pool appears (/dev/pools lists them sorted), so typing is not disturbed.
    if (added.length > 0) {
      byId<HTMLTableElement>('pools-table').tBodies[0]!.replaceChildren(
        ...pools.map((pool) => this.rows.get(rowKey(pool))!.element),
      );
    }
    byId('pools-empty').hidden = pools.length > 0;
    await Promise.all(pools.map((pool) => this.rows.get(rowKey(pool))!.refresh()));
  }
}
