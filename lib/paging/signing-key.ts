import { randomBytes } from 'node:crypto';
import { getDb } from '../mongo/client.ts';
import { dbCall } from '../mongo/instrument.ts';

/**
 * The secret that signs list cursors. It lives in the database the cursors page through
 * (`service_keys`, one document), created by whichever container needs it first: every function,
 * deployed or local, then signs and checks with the same key and no deployment has to provision or
 * rotate a secret for it. Read once per container.
 */
interface ServiceKey {
  _id: string;
  key: string;
  createdAt: Date;
}

const CURSOR_KEY_ID = 'cursorSigning';

let cached: Promise<Buffer> | undefined;

async function loadKey(): Promise<Buffer> {
  const keys = (await getDb()).collection<ServiceKey>('service_keys');
  const doc = await dbCall('serviceKeys.cursorSigning', () =>
    keys.findOneAndUpdate(
      { _id: CURSOR_KEY_ID },
      { $setOnInsert: { key: randomBytes(32).toString('base64'), createdAt: new Date() } },
      { upsert: true, returnDocument: 'after' },
    ),
  );
  if (!doc) throw new Error('The cursor signing key could not be read or created');
  return Buffer.from(doc.key, 'base64');
}

export function cursorSigningKey(): Promise<Buffer> {
  cached ??= loadKey().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
