import {
  type BusEvent,
  type LocalEventBridge,
  startLocalEventBridge,
} from '../../infra/local/events/server.ts';
import { DETAIL_SCHEMAS, type DetailType } from '../../lib/events/details.ts';
import { TEST_EVENT_BUS } from './global-setup.ts';

/**
 * A local EventBridge of this test file's own (instead of the shared sink of global-setup.ts), so the
 * file sees exactly the events its handlers published. Call before the first publish: the SDK
 * client reads its endpoint once.
 */
export async function startTestEventBridge(): Promise<LocalEventBridge> {
  const bridge = await startLocalEventBridge({ busName: TEST_EVENT_BUS });
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = bridge.endpoint;
  process.env.EVENT_BUS_NAME = TEST_EVENT_BUS;
  return bridge;
}

/** An event's detail checked against the schema of its detail type (throws when it does not fit). */
export function validDetail(event: BusEvent): Record<string, unknown> {
  const schema = DETAIL_SCHEMAS[event['detail-type'] as DetailType];
  if (!schema) throw new Error(`Unknown detail type ${event['detail-type']}`);
  return schema.parse(event.detail) as Record<string, unknown>;
}
