import { afterAll, expect, it, vi } from 'vitest';
import { type LocalEventBridge, startLocalEventBridge } from '../../../infra/local/events/server.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { startTestEventBridge } from '../../support/events.ts';
import { TEST_EVENT_BUS } from '../../support/global-setup.ts';
import { lambdaContext } from '../../support/lambda-context.ts';
import { s3Environment, startS3rver } from '../../support/s3rver.ts';
import { csvOf, objectCreatedEvent } from '../import/support.ts';

// At least once for import events (contract §6b): when EventBridge is unreachable as an import
// ends, the record remembers it, and the next delivery of the same S3 event publishes the end.
const s3 = await startS3rver({ bucket: 'import-event-redelivery' });
let bridge: LocalEventBridge = await startTestEventBridge();
const port = Number(new URL(bridge.endpoint).port);
Object.assign(process.env, s3Environment(s3));
const { handler: importS3 } = await import('../../../functions/import-s3.ts');
const { findImport } = await import('../../../lib/import/record-store.ts');
const { logger } = await import('../../../lib/observability.ts');

afterAll(async () => {
  await closeMongoClient();
  await bridge.stop();
  await s3.stop();
});

it('publishes an import end that did not get out on the next delivery, once', async () => {
  const errors = vi.spyOn(logger, 'error').mockImplementation(() => {});
  const key = 'codes/redelivered/tm/f.csv';
  await s3.put(key, csvOf(['R1', 'R2']));
  const event = await objectCreatedEvent(s3, key);

  await bridge.stop(); // EventBridge unreachable while the import ends
  const first = await importS3(event as never, lambdaContext('importS3'));
  const importId = first.imports[0]!.importId;
  expect(first.imports[0]).toMatchObject({ status: 'succeeded', outcome: 'imported' });
  expect(errors).toHaveBeenCalledWith(
    'Event not published: EventBridge rejected it after retries',
    expect.objectContaining({ eventId: `${importId}-succeeded` }),
  );
  expect(await findImport(importId)).toMatchObject({ status: 'succeeded', outcomePublished: false });

  bridge = await startLocalEventBridge({ busName: TEST_EVENT_BUS, port });
  const again = await importS3(event as never, lambdaContext('importS3'));
  expect(again.imports[0]).toMatchObject({ outcome: 'alreadyFinished' });
  expect(bridge.events('Import Succeeded')).toEqual([
    expect.objectContaining({ detail: expect.objectContaining({ eventId: `${importId}-succeeded` }) }),
  ]);
  expect(await findImport(importId)).toMatchObject({ outcomePublished: true });

  // Published and noted: a further delivery publishes nothing.
  await importS3(event as never, lambdaContext('importS3'));
  expect(bridge.events('Import Succeeded')).toHaveLength(1);
});
