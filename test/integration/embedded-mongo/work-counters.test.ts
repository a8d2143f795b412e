/**
 * The embedded server counts, per command, the index keys and documents it examines (what
 * mongod's explain reports as totalKeysExamined / totalDocsExamined), in serverStatus.
 */
import { type Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedMongo, startEmbeddedMongo } from '../../../infra/local/mongo/index.ts';

let server: EmbeddedMongo;
let client: MongoClient;
type Item = { _id: number; pool: string; status: string };

beforeAll(async () => {
  server = await startEmbeddedMongo();
  client = new MongoClient(server.uri);
  const items = client.db('app').collection<Item>('items');
  await items.createIndex({ pool: 1, status: 1 });
  await items.insertMany(
    Array.from({ length: 1000 }, (_, i) => ({
      _id: i,
      pool: i < 800 ? 'a' : 'b',
      status: i % 2 ? 'odd' : 'even',
    })),
  );
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** The keys and documents examined by what `run` sends, per command name. */
async function examined(
  run: () => Promise<unknown>,
): Promise<Record<string, { keys: number; docs: number }>> {
  const status = async () =>
    ((await client.db('admin').command({ serverStatus: 1 })).metrics as Document).commands as Document;
  const before = await status();
  await run();
  const after = await status();
  const out: Record<string, { keys: number; docs: number }> = {};
  for (const [name, counted] of Object.entries(after)) {
    if (name === 'serverStatus') continue;
    const was = before[name] ?? { keysExamined: 0, docsExamined: 0, total: 0 };
    if (counted.total === was.total) continue;
    out[name] = {
      keys: counted.keysExamined - was.keysExamined,
      docs: counted.docsExamined - was.docsExamined,
    };
  }
  return out;
}

describe('work counters (serverStatus metrics.commands)', () => {
  const items = () => client.db('app').collection<Item>('items');

  it('an index range with skip(n).limit(k) examines n + k keys and documents', async () => {
    expect(
      await examined(() => items().find({ pool: 'a', status: 'odd' }).skip(100).limit(10).toArray()),
    ).toEqual({
      find: { keys: 110, docs: 110 },
    });
  });

  it('an _id lookup examines one key and one document; a miss no document', async () => {
    expect(await examined(() => items().findOne({ _id: 5 }))).toEqual({ find: { keys: 1, docs: 1 } });
    expect(await examined(() => items().findOne({ _id: 5000 }))).toEqual({ find: { keys: 1, docs: 0 } });
  });

  it('a collection scan examines documents only', async () => {
    expect(
      await examined(() =>
        items()
          .find({ other: 1 } as never)
          .toArray(),
      ),
    ).toEqual({
      find: { keys: 0, docs: 1000 },
    });
  });

  it('a count answered by the index examines keys only', async () => {
    expect(await examined(() => items().countDocuments({ pool: 'b', status: 'even' }))).toEqual({
      aggregate: { keys: 100, docs: 0 },
    });
  });

  it('updates count what their filters examine', async () => {
    expect(await examined(() => items().updateOne({ _id: 7 }, { $set: { seen: true } }))).toEqual({
      update: { keys: 1, docs: 1 },
    });
  });

  it('keeps mongod totals in metrics.queryExecutor', async () => {
    const metrics = (await client.db('admin').command({ serverStatus: 1 })).metrics as Document;
    expect(metrics.queryExecutor.scanned).toBeGreaterThan(0);
    expect(metrics.queryExecutor.scannedObjects).toBeGreaterThan(0);
  });
});
