import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install chromium`, as .ci/run does), driven by playwright-core: no
 * browser download. Where it is not installed the browser tests skip, saying so.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
export const NO_CHROMIUM_REASON = `${CHROMIUM_PATH} is not installed (apt-get install -y chromium)`;

/** Quiet, offline, reproducible: nothing of Chromium's own reaches the network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** What a page did that a test may hold against it. */
export interface PageRecord {
  /** console.error messages and uncaught exceptions. */
  errors: string[];
  /** Every URL the page requested (documents, scripts, styles, fetches). */
  requests: string[];
}

export interface Browser {
  context: BrowserContext;
  /** A new page whose errors and requests are recorded. */
  open(url: string): Promise<{ page: Page; record: PageRecord }>;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (removed by close()). */
export async function launchChromium(viewport = { width: 1440, height: 1000 }): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  return {
    context,
    open: async (url) => {
      const page = await context.newPage();
      const record: PageRecord = { errors: [], requests: [] };
      page.on('console', (message) => {
        if (message.type() === 'error') record.errors.push(message.text());
      });
      page.on('pageerror', (error) => record.errors.push(`uncaught: ${error.message}`));
      page.on('request', (request) => record.requests.push(request.url()));
      await page.goto(url);
      return { page, record };
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Requests that left this machine: anything but 127.0.0.1 (and the page's own `data:` icon). */
export const outsideRequests = (record: PageRecord): string[] =>
  record.requests.filter((url) => {
    const parsed = new URL(url);
    return parsed.protocol !== 'data:' && parsed.hostname !== '127.0.0.1';
  });
