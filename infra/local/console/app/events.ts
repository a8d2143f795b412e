import { devGet } from './api.ts';
import { byId, formatDateTime, h } from './dom.ts';

/** An event as the local bus keeps it (EventBridge's envelope, `GET /dev/events`). */
interface BusEvent {
  id: string;
  'detail-type': string;
  source: string;
  time: string;
  detail: Record<string, unknown>;
}

/** How many of the bus's latest events the page lists. */
const SHOWN = 50;

export class EventsView {
  async refresh(): Promise<void> {
    const { events } = await devGet<{ events: BusEvent[] }>('/dev/events');
    const latest = events.slice(-SHOWN).reverse();
    byId('events-list').replaceChildren(
      ...latest.map((event) =>
        h(
          'li',
          { 'data-event-id': event.id, 'data-detail-type': event['detail-type'] },
          h('time', { datetime: event.time }, formatDateTime(event.time)),
          ' ',
          h('strong', {}, event['detail-type']),
          ` from ${event.source} `,
          h('code', {}, JSON.stringify(event.detail)),
        ),
      ),
    );
    byId('events-empty').hidden = latest.length > 0;
  }
}
