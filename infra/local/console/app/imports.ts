import { api, segment } from './api.ts';
import { byId, formatDateTime, formatNumber, h } from './dom.ts';
import { type ImportView, rowsProgress } from './import-progress.ts';

const COUNT_NAMES = ['in', 'inserted', 'updated', 'duplicates', 'rejected', 'skipped'] as const;

function importItem(record: ImportView): HTMLElement {
  const { done, total } = rowsProgress(record);
  const progressId = `import-${record.importId}-progress`;
  const percent = total === undefined || total === 0 ? undefined : Math.floor((done / total) * 100);
  const progress = h('progress', {
    id: progressId,
    ...(total === undefined ? {} : { value: done, max: Math.max(total, 1) }),
  });
  const rowsText =
    total === undefined
      ? `${formatNumber(done)} rows read`
      : `${formatNumber(done)} of ${record.status === 'succeeded' ? '' : '~'}${formatNumber(total)} rows (${percent} %)`;
  return h(
    'li',
    { class: `import ${record.status}`, 'data-import-id': record.importId, 'data-status': record.status },
    h(
      'p',
      { class: 'import-head' },
      h('strong', {}, record.key),
      h('span', { class: `badge ${record.status}` }, record.status),
      ` ${record.type ?? ''} · ${record.source === 's3' ? 'S3 trigger' : 'route 1'} · started ${formatDateTime(record.startedAt)}`,
      record.durationMs === undefined ? '' : ` · ${formatNumber(Math.round(record.durationMs))} ms`,
      record.attempts > 1 ? ` · ${record.attempts} attempts` : '',
    ),
    h('label', { for: progressId }, `Progress of ${record.key}: `, h('span', { class: 'rows' }, rowsText)),
    progress,
    h(
      'dl',
      { class: 'counts' },
      ...COUNT_NAMES.flatMap((name) => [
        h('dt', {}, name),
        h('dd', { 'data-count': name }, formatNumber(record.count[name])),
      ]),
    ),
    record.error
      ? h('p', { class: 'error' }, `Failed (${record.error.reason}): ${record.error.message}`)
      : null,
    record.rejects.length === 0
      ? null
      : h(
          'details',
          {},
          h(
            'summary',
            {},
            `Rejected rows (${formatNumber(record.count.rejected)}; the first ${record.rejects.length} kept)`,
          ),
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Line'),
                h('th', { scope: 'col' }, 'Reason'),
                h('th', { scope: 'col' }, 'Value'),
              ),
            ),
            h(
              'tbody',
              {},
              ...record.rejects.map((reject) =>
                h(
                  'tr',
                  {},
                  h('td', {}, reject.line),
                  h('td', {}, reject.reason),
                  h('td', {}, h('code', {}, reject.value)),
                ),
              ),
            ),
          ),
        ),
  );
}

/** A campaign's imports, newest first (route 9), with the campaign chosen in a labelled select. */
export class ImportsView {
  private readonly select = byId<HTMLSelectElement>('campaign');
  /** Open rejects lists stay open across refreshes. */
  private readonly openRejects = new Set<string>();

  constructor(private readonly onChange: () => void) {
    const wanted = new URL(location.href).searchParams.get('campaign');
    if (wanted) this.setCampaigns([wanted]);
    this.select.addEventListener('change', () => {
      const url = new URL(location.href);
      url.searchParams.set('campaign', this.select.value);
      history.replaceState(null, '', url);
      this.onChange();
    });
  }

  /** The campaigns to offer; the chosen one stays chosen. */
  setCampaigns(campaigns: readonly string[]): void {
    const current = this.select.value;
    const all = [...new Set([...(current ? [current] : []), ...campaigns])].sort();
    const offered = [...this.select.options].map((option) => option.value);
    if (all.join('\n') === offered.join('\n')) return;
    this.select.replaceChildren(...all.map((campaign) => h('option', { value: campaign }, campaign)));
    this.select.value = current || all[0] || '';
  }

  async refresh(): Promise<void> {
    const campaign = this.select.value;
    const list = byId('imports-list');
    if (!campaign) {
      list.replaceChildren();
      byId('imports-empty').hidden = false;
      return;
    }
    const page = await api<{ items: ImportView[] }>('GET', `/v1/${segment(campaign)}/imports?limit=20`);
    if (campaign !== this.select.value) return; // changed while loading
    for (const details of list.querySelectorAll<HTMLDetailsElement>('li[data-import-id] details')) {
      const id = details.closest('li')!.dataset.importId!;
      if (details.open) this.openRejects.add(id);
      else this.openRejects.delete(id);
    }
    list.replaceChildren(...page.items.map(importItem));
    for (const id of this.openRejects) {
      const details = list.querySelector<HTMLDetailsElement>(
        `li[data-import-id="${CSS.escape(id)}"] details`,
      );
      if (details) details.open = true;
    }
    byId('imports-empty').hidden = page.items.length > 0;
  }
}
