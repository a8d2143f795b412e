import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { startLocalStack } from '../../infra/local/stack.ts';
import { hasChromium, launchChromium, NO_CHROMIUM_REASON, outsideRequests } from '../support/browser.ts';
import { apiOf, s3ClientFor } from '../support/local-stack.ts';

/**
 * `npm run screenshots`: the README's pictures of the local console, taken in headless Chromium
 * from a fresh local stack (embedded MongoDB, temporary state) after some traffic spread over a few
 * minutes — imports (one with rejected rows), reservations, assignments, releases, a refused
 * request, a low-stock threshold crossed — and a large import caught half way. Takes ~3 minutes.
 */
const OUT_DIR = fileURLToPath(new URL('./screenshots/', import.meta.url));
const MINUTE_MS = 60_000;

if (!hasChromium) {
  console.error(`Cannot take screenshots: ${NO_CHROMIUM_REASON}`);
  process.exit(1);
}
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
// Batches small enough for the large import to be seen moving.
process.env.IMPORT_BATCH_SIZE ??= '10000';

const stack = await startLocalStack({ port: 0, s3Port: 0, quiet: true, poolSweepMs: 2_000 });
const api = apiOf(stack);
const s3 = s3ClientFor(stack);
const browser = await launchChromium({ width: 1440, height: 900 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const drop = (key: string, body: string) =>
  s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body, ContentType: 'text/csv' }));
const codes = (prefix: string, count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(from + i).padStart(7, '0')}`);

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(200);
  }
}

const importsDone = async (campaign: string, count: number) => {
  const page = await api<{ items: { status: string }[] }>(`/v1/${campaign}/imports`);
  return page.body.items.length >= count && page.body.items.every((item) => item.status !== 'running');
};

/** One round of traffic: what a client system does in a minute. */
async function traffic(round: number): Promise<void> {
  for (const count of [50, 120, 30 + round * 40]) {
    const reserved = await api<string[]>(`/v1/summer-tour/reserve?count=${count}&type=tm`);
    const reserveId = reserved.headers.get('x-reserve-id');
    const half = reserved.body.slice(0, Math.ceil(reserved.body.length / 2));
    await api('/v1/summer-tour/assign', { method: 'POST', body: { codes: half } });
    if (round !== 1) await api('/v1/summer-tour/release', { method: 'POST', body: { reserveId } });
  }
  await api(`/v1/summer-tour/reserve?count=${200 + round * 100}&type=external`);
  await api('/v1/summer-tour/codes/count?type=tm');
  await api('/v1/spring-sale/codes/count?type=tm');
  // A refused request (no token) and a bad one: the 4xx chart has something to show.
  await api('/v1/summer-tour/codes/count?type=tm', { token: null });
  await api('/v1/summer-tour/reserve?count=0&type=tm');
}

async function shoot(page: Page, selector: string, name: string): Promise<void> {
  await page.locator(selector).screenshot({ path: `${OUT_DIR}${name}.png`, animations: 'disabled' });
  console.log(`  ${OUT_DIR}${name}.png`);
}

try {
  await mkdir(OUT_DIR, { recursive: true });
  console.log(`Local stack at ${stack.apiUrl}; making traffic for ~3 minutes…`);
  await drop('codes/summer-tour/tm/tickets.csv', `code\n${codes('TM', 20_000).join('\n')}\n`);
  await drop('codes/summer-tour/external/partners.csv', `code\n${codes('EX', 2_500).join('\n')}\n`);
  await drop(
    'codes/spring-sale/tm/early-birds.csv',
    `code\n${codes('SP', 3_000).join('\n')}\n${'X'.repeat(300)}\nBAD\u0007CODE\n`,
  );
  await waitFor(
    'the first imports',
    async () => (await importsDone('summer-tour', 2)) && importsDone('spring-sale', 1),
  );
  await api('/v1/summer-tour/pools/external', { method: 'PUT', body: { lowStockThreshold: 2_000 } });
  await api('/v1/summer-tour/pools/tm', { method: 'PUT', body: { lowStockThreshold: 5_000 } });
  for (let round = 0; round < 3; round++) {
    await traffic(round);
    await sleep(MINUTE_MS);
  }
  await traffic(3);

  const { page, record } = await browser.open(`${stack.apiUrl}/?campaign=summer-tour&minutes=15`);
  // A large import, caught half way.
  await drop('codes/summer-tour/tm/big-drop.csv', `code\n${codes('BIG', 600_000).join('\n')}\n`);
  const big = page.getByLabel('Progress of codes/summer-tour/tm/big-drop.csv');
  await waitFor(
    'the large import half way',
    async () => {
      const ratio = await big
        .evaluate((bar) => (bar as unknown as { position: number }).position)
        .catch(() => -1);
      return ratio >= 0.3 && ratio <= 0.8;
    },
    180_000,
  );
  await page.locator('#status').filter({ hasText: 'Up to date' }).waitFor();
  await shoot(page, '#imports', 'console-imports');
  await shoot(page, '#pools', 'console-pools');
  await shoot(page, '#events', 'console-events');
  await page.locator('[data-widget-id="reservations"][data-has-data="true"]').waitFor();
  await shoot(page, '#dashboard', 'console-dashboard');
  await waitFor('the large import', () => importsDone('summer-tour', 3), 300_000);
  if (record.errors.length > 0 || outsideRequests(record).length > 0) {
    throw new Error(
      `The page misbehaved: ${JSON.stringify({ errors: record.errors, outside: outsideRequests(record) })}`,
    );
  }
} finally {
  await browser.close();
  s3.destroy();
  await stack.stop();
}
