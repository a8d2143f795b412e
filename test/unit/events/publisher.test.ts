import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DetailType, type ServiceEvent } from '../../../lib/events/details.ts';
import { publishEvents } from '../../../lib/events/publisher.ts';
import { logger, metrics } from '../../../lib/observability.ts';

// Per-entry failures (InternalFailure, throttling) are what a real bus answers under load and the
// local one never does: the SDK is mocked here, and only here.
const eventBridge = mockClient(EventBridgeClient);

const event = (n: number): ServiceEvent => ({
  detailType: DetailType.PoolEmpty,
  detail: {
    eventId: `event-${n}`,
    campaignId: 'c',
    type: 'tm',
    lowStockThreshold: 1,
    available: 0,
    at: new Date().toISOString(),
  },
});

beforeEach(() => eventBridge.reset());
afterEach(() => vi.restoreAllMocks());

describe('publishEvents', () => {
  it('sends at most 10 entries per call, on the configured bus, with source code-service', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })),
    }));
    const published = await publishEvents(Array.from({ length: 23 }, (_, n) => event(n)));
    expect(published).toEqual(Array(23).fill(true));
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]!.args[0].input.Entries![0]).toMatchObject({
      EventBusName: process.env.EVENT_BUS_NAME,
      Source: 'code-service',
      DetailType: 'Pool Empty',
    });
    expect(JSON.parse(calls[0]!.args[0].input.Entries![0]!.Detail!)).toMatchObject({ eventId: 'event-0' });
  });

  it('retries only the entries EventBridge rejected', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    expect(await publishEvents([event(1), event(2)])).toEqual([true, true]);
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(JSON.parse(calls[1]!.args[0].input.Entries![0]!.Detail!)).toMatchObject({ eventId: 'event-2' });
  });

  it('logs at ERROR and counts EventsFailed for what is still rejected after the retries', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => {});
    const addMetric = vi.spyOn(metrics, 'addMetric');
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
    });
    expect(await publishEvents([event(7)])).toEqual([false]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
    expect(error).toHaveBeenCalledWith(
      'Event not published: EventBridge rejected it after retries',
      expect.objectContaining({
        eventId: 'event-7',
        detailType: 'Pool Empty',
        errorCode: 'ThrottlingException',
      }),
    );
    expect(addMetric).toHaveBeenCalledWith('EventsFailed', 'Count', 1);
  });

  it('does not retry an entry EventBridge will never take', async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => {});
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });
    expect(await publishEvents([event(3)])).toEqual([false]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('never throws, even when every call fails', async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => {});
    eventBridge.on(PutEventsCommand).rejects(new Error('connection refused'));
    expect(await publishEvents([event(1)])).toEqual([false]);
  });
});
