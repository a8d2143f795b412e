/**
 * The embedded server with a data directory keeps every acknowledged write: across a clean stop,
 * across `kill -9` of its process in the middle of a batch, and across a damaged journal tail.
 */
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type EmbeddedMongo,
  startEmbeddedMongo,
  startEmbeddedMongoProcess,
} from '../../../infra/local/mongo/index.ts';

const directories: string[] = [];
const running: Array<{ stop(): Promise<void> }> = [];

function dataDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'embedded-mongo-data-'));
  directories.push(dir);
  return dir;
}

afterEach(async () => {
  for (const server of running.splice(0)) await server.stop().catch(() => {});
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(dbpath: string, options: { compactAfterBytes?: number; warnings?: string[] } = {}) {
  const server = await startEmbeddedMongo({
    dbpath,
    compactAfterBytes: options.compactAfterBytes,
    logger: { warn: (message) => options.warnings?.push(message) },
  });
  running.push(server);
  return server;
}

async function withClient<T>(server: EmbeddedMongo, use: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(server.uri);
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

describe('embedded MongoDB with a data directory', () => {
  it('has everything after a clean stop and a start: documents, updates, deletes, indexes, drops', async () => {
    const dbpath = dataDirectory();
    let server = await start(dbpath);
    await withClient(server, async (client) => {
      const codes = client
        .db('app')
        .collection<{ _id: number; code: string; pool: string; status: string; n?: number }>('codes');
      await codes.createIndex({ pool: 1, status: 1 }, { name: 'by_status' });
      await codes.createIndex({ code: 1 }, { unique: true });
      await codes.insertMany(
        Array.from({ length: 1000 }, (_, i) => ({ _id: i, code: `c${i}`, pool: 'p', status: 'free' })),
      );
      await codes.updateMany({ _id: { $lt: 10 } }, { $set: { status: 'taken' }, $inc: { n: 1 } });
      await codes.deleteMany({ _id: { $gte: 990 } });
      await client.db('app').collection('gone').insertOne({ x: 1 });
      await client.db('app').collection('gone').drop();
      await client
        .db('other')
        .collection('c')
        .insertOne({ _id: 'kept' as never, big: 2n ** 40n });
    });
    await server.stop();

    server = await start(dbpath);
    await withClient(server, async (client) => {
      const codes = client.db('app').collection<{ _id: number; code: string }>('codes');
      expect(await codes.countDocuments()).toBe(990);
      expect(await codes.countDocuments({ pool: 'p', status: 'taken' })).toBe(10);
      expect(await codes.findOne({ _id: 3 })).toEqual({
        _id: 3,
        code: 'c3',
        pool: 'p',
        status: 'taken',
        n: 1,
      });
      expect((await codes.indexes()).map((index) => index.name)).toEqual(['_id_', 'by_status', 'code_1']);
      // The unique index is live again, not just listed.
      await expect(codes.insertOne({ _id: 5000, code: 'c5' })).rejects.toMatchObject({ code: 11000 });
      expect((await client.db('app').listCollections().toArray()).map((c) => c.name)).toEqual(['codes']);
      expect(await client.db('other').collection('c').findOne()).toEqual({ _id: 'kept', big: 2 ** 40 });
    });
  });

  it('compacts the journal into a snapshot and loads snapshot plus newer journal at start', async () => {
    const dbpath = dataDirectory();
    let server = await start(dbpath, { compactAfterBytes: 64 * 1024 });
    await withClient(server, async (client) => {
      const items = client.db('app').collection('items');
      for (let batch = 0; batch < 10; batch++) {
        await items.insertMany(
          Array.from({ length: 500 }, (_, i) => ({ _id: batch * 500 + i, v: 'x'.repeat(50) })) as never,
        );
      }
      await items.updateOne({ _id: 7 as never }, { $set: { v: 'changed' } });
    });
    await server.stop();
    const files = readdirSync(dbpath);
    expect(files).toContain('snapshot.bson');
    // Older generations were deleted once a snapshot covered them.
    expect(files.filter((name) => name.startsWith('journal.')).length).toBe(1);

    server = await start(dbpath);
    await withClient(server, async (client) => {
      const items = client.db('app').collection('items');
      expect(await items.countDocuments()).toBe(5000);
      expect(await items.findOne({ _id: 7 as never })).toEqual({ _id: 7, v: 'changed' });
    });
  });

  it('cuts a torn journal tail with a warning and keeps every record before it', async () => {
    const dbpath = dataDirectory();
    let server = await start(dbpath);
    await withClient(server, async (client) => {
      await client
        .db('app')
        .collection('items')
        .insertMany([{ _id: 1 }, { _id: 2 }] as never);
    });
    await server.stop();
    const journal = join(dbpath, 'journal.0.bson');
    const goodBytes = statSync(journal).size;
    // What a crash in the middle of an append leaves: a record header and part of its body.
    const torn = Buffer.alloc(12);
    torn.writeInt32LE(500, 4);
    appendFileSync(journal, torn);

    const warnings: string[] = [];
    server = await start(dbpath, { warnings });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /journal .*journal\.0\.bson: found a torn record at byte \d+; cutting the last 12 bytes/,
    );
    expect(statSync(journal).size).toBe(goodBytes);
    await withClient(server, async (client) => {
      const items = client.db('app').collection('items');
      expect(await items.countDocuments()).toBe(2);
      await items.insertOne({ _id: 3 } as never);
    });
    await server.stop();

    // Appending after the cut left a journal that replays cleanly.
    warnings.length = 0;
    server = await start(dbpath, { warnings });
    expect(warnings).toEqual([]);
    await withClient(server, async (client) => {
      expect(await client.db('app').collection('items').countDocuments()).toBe(3);
    });
  });

  it('cuts a record whose checksum does not match, with a warning', async () => {
    const dbpath = dataDirectory();
    let server = await start(dbpath);
    await withClient(server, async (client) => {
      const items = client.db('app').collection('items');
      await items.insertOne({ _id: 1, v: 'first' } as never);
      await items.insertOne({ _id: 2, v: 'second' } as never);
    });
    await server.stop();
    const journal = join(dbpath, 'journal.0.bson');
    const bytes = readFileSync(journal);
    bytes[bytes.length - 3]! ^= 0xff; // inside the last record's body
    writeFileSync(journal, bytes);

    const warnings: string[] = [];
    server = await start(dbpath, { warnings });
    expect(warnings).toEqual([expect.stringMatching(/a record whose checksum does not match/)]);
    await withClient(server, async (client) => {
      expect(await client.db('app').collection('items').find().toArray()).toEqual([{ _id: 1, v: 'first' }]);
    });
  });

  it('refuses a second server on a data directory in use', async () => {
    const dbpath = dataDirectory();
    await start(dbpath);
    await expect(startEmbeddedMongoProcess({ dbpath })).rejects.toThrow(/before it was ready/);
  });
});

describe('kill -9 of the embedded MongoDB process', () => {
  it('loses no acknowledged write, and an interrupted import resumes to exact counts', async () => {
    const dbpath = dataDirectory();
    let server = await startEmbeddedMongoProcess({ dbpath });
    running.push(server);
    // The service's own importer write (contract §5), against this server.
    process.env.MONGODB_URI = server.uri;
    const { upsertCodes } = await import('../../../lib/import/code-writes.ts');
    const { closeMongoClient } = await import('../../../lib/mongo/client.ts');
    const campaign = 'kill-9';
    const batches = Array.from({ length: 4 }, (_, b) =>
      Array.from({ length: 20_000 }, (_, i) => `code-${b}-${i}`),
    );
    const now = new Date('2026-01-01T00:00:00Z');
    const observer = new MongoClient(server.uri);
    try {
      const codes = observer.db(process.env.MONGODB_DB).collection('codes');
      await upsertCodes(campaign, batches[0]!, 'tm', now);
      const acknowledged = batches[0]!.length;

      // Kill the server while the second batch is part-applied (other connections are served
      // between a batch's slices, so the observer sees it grow).
      const interrupted = upsertCodes(campaign, batches[1]!, 'tm', now).catch((error: unknown) => error);
      let seen = acknowledged;
      while (seen <= acknowledged) seen = await codes.countDocuments();
      process.kill(server.pid, 'SIGKILL');
      await server.exited;
      expect(await interrupted).toBeInstanceOf(Error);
      expect(seen).toBeLessThan(acknowledged + batches[1]!.length);
    } finally {
      await observer.close();
    }

    server = await startEmbeddedMongoProcess({ dbpath, port: server.port });
    running.push(server);
    const client = new MongoClient(server.uri);
    try {
      const codes = client.db(process.env.MONGODB_DB).collection('codes');
      const ids = new Set(
        (await codes.find({}, { projection: { _id: 1 } }).toArray()).map(
          (doc) => (doc._id as unknown as { code: string }).code,
        ),
      );
      expect(batches[0]!.every((code) => ids.has(code))).toBe(true);
      // Resume: the interrupted batch again, then the rest (same client, same port).
      let inserted = 0;
      for (const batch of batches.slice(1))
        inserted += (await upsertCodes(campaign, batch, 'tm', now)).inserted;
      expect(inserted).toBe(3 * 20_000 - (ids.size - batches[0]!.length));
      expect(await codes.countDocuments({ '_id.campaign_id': campaign })).toBe(4 * 20_000);
    } finally {
      await client.close();
      await closeMongoClient();
    }
  });
});
