import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardAnswer } from '../../infra/local/metrics/dashboard-endpoint.ts';
import {
  type Browser,
  hasChromium,
  launchChromium,
  NO_CHROMIUM_REASON,
  outsideRequests,
} from '../support/browser.ts';
import { useTestStack } from '../support/local-stack.ts';

// The local console (issue 15) in a real headless Chromium against the whole local stack: only what
// a user sees and does — the page's elements, the labelled controls — and the public API to read
// back what the page wrote.
const campaign = 'console-camp';
const CODES = 2_500;
// Small batches, so the import commits (and the page's progress bar moves) several times.
process.env.IMPORT_BATCH_SIZE = '500';

// Skip reason: without Debian's Chromium at /usr/bin/chromium there is no browser to drive (playwright-core
// cannot download one here); `.ci/run` installs it, and the title then says why the tests were skipped.
describe.skipIf(!hasChromium)(
  `the local console in headless Chromium${hasChromium ? '' : ` — skipped: ${NO_CHROMIUM_REASON}`}`,
  () => {
    const local = useTestStack();
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());

    it('loads with no console errors and requests nothing outside 127.0.0.1', async () => {
      const { page, record } = await browser.open(`${local.stack.apiUrl}/`);
      // Every view has answered once without a failure.
      await expect
        .poll(() => page.locator('#status').textContent(), { timeout: 20_000 })
        .toMatch(/^Up to date/);
      await expect.poll(() => page.locator('#events-empty').isVisible()).toBe(true);
      expect(await page.title()).toBe('code-service · local console');
      expect(record.errors).toEqual([]);
      expect(outsideRequests(record)).toEqual([]);
      // Every widget of the dashboard definition, in its order and under its title (GET /dev/dashboard
      // lays them out from infra/dashboard.ts, as the CDK monitoring construct does).
      const { body: answer } = await local.api<DashboardAnswer>('/dev/dashboard?minutes=60', { token: null });
      const drawn = await page
        .locator('#dashboard-sections [data-widget-id]')
        .evaluateAll((elements) =>
          elements.map((element) => [
            element.getAttribute('data-widget-id'),
            element.querySelector('h4')?.textContent,
          ]),
        );
      expect(drawn).toEqual(
        answer.sections.flatMap((section) => section.widgets.map((w) => [w.id, w.title])),
      );
      expect(drawn.length).toBeGreaterThan(10);
      // The page, its script and styles, and the endpoints it polls: all from the local gateway.
      expect(record.requests).toEqual(
        expect.arrayContaining([
          `${local.stack.apiUrl}/`,
          `${local.stack.apiUrl}/console/console.js`,
          `${local.stack.apiUrl}/console/console.css`,
          `${local.stack.apiUrl}/dev/pools`,
          `${local.stack.apiUrl}/dev/dashboard?minutes=60`,
          `${local.stack.apiUrl}/dev/events`,
        ]),
      );
      await page.close();
    });

    it('shows a dropped CSV as an import whose progress bar reaches 100 %', async () => {
      const { page, record } = await browser.open(`${local.stack.apiUrl}/?campaign=${campaign}`);
      const key = `codes/${campaign}/tm/console.csv`;
      const codes = Array.from({ length: CODES }, (_, i) => `CONSOLE-${String(i).padStart(5, '0')}`);
      // One row over 256 characters: rejected, and listed with the import.
      const csv = `code\n${codes.join('\n')}\n${'X'.repeat(300)}\n`;
      await local.s3.send(new PutObjectCommand({ Bucket: local.stack.bucket, Key: key, Body: csv }));

      const progress = page.getByLabel(`Progress of ${key}`);
      const item = page.locator('li[data-import-id]', { has: progress });
      await expect
        .poll(() => item.getAttribute('data-status').catch(() => null), { timeout: 45_000 })
        .toBe('succeeded');
      const bar = await progress.evaluate((element) => {
        // Runs in the page (this file's types know no DOM).
        const bar = element as unknown as { tagName: string; value: number; max: number; position: number };
        return { tag: bar.tagName, value: bar.value, max: bar.max, position: bar.position };
      });
      // Header + codes + the rejected row: every row of the file read.
      expect(bar).toEqual({ tag: 'PROGRESS', value: CODES + 2, max: CODES + 2, position: 1 });
      expect(await item.locator('label').textContent()).toContain('(100 %)');
      expect(await item.locator('dd[data-count="inserted"]').textContent()).toBe('2,500');
      expect(await item.locator('dd[data-count="rejected"]').textContent()).toBe('1');
      await item.locator('details summary').click();
      expect(await item.locator('details tbody tr td').nth(1).textContent()).toBe('tooLong');
      expect(await page.getByLabel('Campaign', { exact: true }).inputValue()).toBe(campaign);
      expect(record.errors).toEqual([]);
      await page.close();
    });

    it('sets a pool threshold from the pools view, read back through the API', async () => {
      const { page, record } = await browser.open(`${local.stack.apiUrl}/#pools`);
      const row = page.locator(`#pools-table tr[data-campaign="${campaign}"][data-type="tm"]`);
      await expect.poll(() => row.locator('td[data-field="available"]').textContent()).toBe('2,500');
      expect(await row.locator('td[data-field="lowStockThreshold"]').textContent()).toBe('none');

      await page.getByLabel(`Low-stock threshold for ${campaign} / tm`).fill('1200');
      await row.getByRole('button', { name: 'Set' }).click();

      await expect
        .poll(
          async () =>
            (await local.api<{ lowStockThreshold: number | null }>(`/v1/${campaign}/pools/tm`)).body,
        )
        .toMatchObject({ lowStockThreshold: 1200, levels: [1200, 600, 300, 150, 0] });
      await expect.poll(() => row.locator('td[data-field="lowStockThreshold"]').textContent()).toBe('1,200');
      expect(await page.locator('#status').textContent()).toContain('set to 1200');
      expect(record.errors).toEqual([]);
      await page.close();
    });

    it("draws the codes the test reserved on the dashboard's reservation chart", async () => {
      const { page, record } = await browser.open(`${local.stack.apiUrl}/#dashboard`);
      const chart = page.getByRole('figure', { name: 'Reservations and shortfall' });
      await chart.waitFor();
      for (const count of [7, 5]) {
        const reserved = await local.api<string[]>(`/v1/${campaign}/reserve?count=${count}&type=tm`);
        expect(reserved.body).toHaveLength(count);
      }
      // The series the chart drew (its data table, built from the same answer): 12 codes this hour.
      const reservedSeries = chart.locator('th[data-series-label="CodesReserved"]');
      await expect.poll(() => reservedSeries.getAttribute('data-sum'), { timeout: 20_000 }).toBe('12');
      expect(await chart.getAttribute('data-has-data')).toBe('true');
      expect(await chart.locator('canvas').count()).toBe(1);
      // uPlot's legend names the series in text.
      expect(await chart.locator('.u-legend').textContent()).toContain('CodesReserved');
      expect(await chart.locator('th[data-series-label="ReserveShortfall"]').getAttribute('data-sum')).toBe(
        '0',
      );
      expect(record.errors).toEqual([]);
      await page.close();
    });

    it('lists every alarm with its state as text, those in ALARM first', async () => {
      // A file in a type folder the contract does not know: a real ImportFailed from the importer.
      await local.s3.send(
        new PutObjectCommand({
          Bucket: local.stack.bucket,
          Key: 'codes/console-alarm/no-such-type/alarm.csv',
          Body: 'code\nALARM-1\n',
        }),
      );
      const { page, record } = await browser.open(`${local.stack.apiUrl}/#dashboard`);
      const widget = page.locator('[data-widget-id="alarms"]');
      const first = widget.locator('li').first();
      await expect
        .poll(() => first.textContent(), { timeout: 30_000 })
        .toMatch(/^ALARM code-service-import-failed — An import failed/);
      const { body: answer } = await local.api<DashboardAnswer>('/dev/dashboard?minutes=60', { token: null });
      const listed = answer.sections.flatMap((section) => section.widgets).find((w) => w.kind === 'alarms')!
        .alarms!;
      const drawn = await widget
        .locator('li')
        .evaluateAll((items) =>
          items.map((item) => [
            item.getAttribute('data-alarm-name'),
            item.querySelector('.alarm-state')?.textContent,
          ]),
        );
      // Every alarm once, each with its state written out; ALARM, then INSUFFICIENT_DATA, then OK.
      expect(drawn.map(([name]) => name).sort()).toEqual(listed.map((alarm) => alarm.name).sort());
      const states = drawn.map(([, state]) => state);
      const rank = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 } as Record<string, number>;
      expect(states.every((state) => state! in rank)).toBe(true);
      expect(states).toEqual([...states].sort((a, b) => rank[a!]! - rank[b!]!));
      expect(states).toContain('INSUFFICIENT_DATA');
      expect(states).toContain('OK');
      expect(await widget.locator('.alarm-summary').textContent()).toMatch(
        /^[1-9]\d* in ALARM, [1-9]\d* INSUFFICIENT_DATA, [1-9]\d* OK\.$/,
      );
      expect(record.errors).toEqual([]);
      await page.close();
    });
  },
);
