import 'uplot/dist/uPlot.min.css';
import './console.css';
import { DashboardView } from './dashboard.ts';
import { formatTime, say } from './dom.ts';
import { EventsView } from './events.ts';
import { ImportsView } from './imports.ts';
import { PoolsView } from './pools.ts';

/**
 * The local console: every view polls its source every few seconds (live, like the CloudWatch
 * dashboard's auto refresh). A failing source says so in the status line and is asked again.
 */
const POLL_MS = 3_000;

interface View {
  name: string;
  refresh(): Promise<void>;
}

const failing = new Map<string, string>();

function report(): void {
  if (failing.size === 0) say(`Up to date at ${formatTime(Date.now())}`);
  else say([...failing].map(([name, message]) => `${name}: ${message}`).join(' · '), true);
}

async function poll(view: View, wake: { now?: () => void }): Promise<never> {
  for (;;) {
    try {
      await view.refresh();
      failing.delete(view.name);
    } catch (error) {
      failing.set(view.name, (error as Error).message);
    }
    report();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, POLL_MS);
      wake.now = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

const dashboardWake: { now?: () => void } = {};
const dashboard = new DashboardView(() => dashboardWake.now?.());
const pools = new PoolsView();
const importsWake: { now?: () => void } = {};
const imports = new ImportsView(() => importsWake.now?.());
const events = new EventsView();

void poll({ name: 'Dashboard', refresh: () => dashboard.refresh() }, dashboardWake);
void poll(
  {
    name: 'Pools',
    refresh: async () => {
      await pools.refresh();
      imports.setCampaigns(pools.pools.map((pool) => pool.campaignId));
    },
  },
  {},
);
void poll({ name: 'Imports', refresh: () => imports.refresh() }, importsWake);
void poll({ name: 'Events', refresh: () => events.refresh() }, {});
