import { gatewayJson } from '../gateway/response.ts';
import type { LocalEndpoint } from '../gateway/server.ts';
import { DEV_EVENTS_PATH, type LocalEventBridge, startLocalEventBridge } from './server.ts';

/**
 * The events part of the local stack (contract §6b, §7), in one step: the local EventBridge the
 * functions publish to, `GET /dev/events?detailType=` on the gateway (local only, never deployed),
 * and the low-stock sweep run every `sweepEveryMs` as the deployed schedule runs it every minute.
 */
export const LOCAL_EVENT_BUS = 'code-service-local-events';
export const DEFAULT_POOL_SWEEP_MS = 5000;

export interface LocalEventsOptions {
  sweepEveryMs: number;
  /** Runs the sweep function once; undefined while the functions are not loaded yet (tick skipped). */
  sweep: () => Promise<unknown> | undefined;
  say: (line: string) => void;
}

export interface LocalEvents {
  bridge: LocalEventBridge;
  /** For the gateway's localEndpoints. */
  localEndpoints: LocalEndpoint[];
  stop(): Promise<void>;
}

export async function startLocalEvents(options: LocalEventsOptions): Promise<LocalEvents> {
  const bridge = await startLocalEventBridge({
    busName: LOCAL_EVENT_BUS,
    log: (line) => options.say(`[events] ${line}`),
  });
  let running: Promise<unknown> | undefined;
  const tick = () => {
    // One sweep at a time here; the sweep itself is safe when runs overlap (as they may in AWS).
    if (running) return;
    running = options
      .sweep()
      ?.catch((error: unknown) => options.say(`[events] pool sweep failed: ${(error as Error).message}`))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.sweepEveryMs);
  timer.unref();
  return {
    bridge,
    localEndpoints: [
      {
        method: 'GET',
        path: DEV_EVENTS_PATH,
        handle: (request) => {
          const detailType = new URL(request.target, 'http://localhost').searchParams.get('detailType');
          return gatewayJson(200, { events: bridge.events(detailType ?? undefined) });
        },
      },
    ],
    stop: async () => {
      clearInterval(timer);
      await running;
      await bridge.stop();
    },
  };
}
