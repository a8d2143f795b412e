/**
 * Behaviour specific to the embedded server (infra/local/mongo): wire-level framing, bad input
 * handling, binding, lifecycle and the CLI. Every test here starts its OWN server instance with
 * startEmbeddedMongo(), never the shared one.
 *
 * Not skipped when MONGODB_URI points at a real server: these tests never use MONGODB_URI (each
 * starts a private embedded instance on an ephemeral 127.0.0.1 port), so they are valid, and
 * still worth running, in both modes.
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'bson';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32c } from '../../../infra/local/mongo/crc32c.ts';
import { type EmbeddedMongo, startEmbeddedMongo } from '../../../infra/local/mongo/index.ts';

type Doc = Record<string, unknown>;

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

let nextRequestId = 1000;

function header(length: number, requestId: number, opCode: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeInt32LE(length, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(0, 8);
  out.writeInt32LE(opCode, 12);
  return out;
}

interface MsgOptions {
  requestId?: number;
  flags?: number;
  checksum?: 'valid' | 'invalid';
  sequences?: Array<[string, Doc[]]>;
}

function opMsg(body: Doc, options: MsgOptions = {}): Buffer {
  const requestId = options.requestId ?? nextRequestId++;
  const flags = (options.flags ?? 0) | (options.checksum ? 1 : 0);
  const sections: Buffer[] = [Buffer.from([0]), Buffer.from(serialize(body))];
  for (const [identifier, docs] of options.sequences ?? []) {
    const payload = Buffer.concat([
      Buffer.from(`${identifier}\0`),
      ...docs.map((d) => Buffer.from(serialize(d))),
    ]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4);
    sections.push(Buffer.from([1]), size, payload);
  }
  const flagBytes = Buffer.alloc(4);
  flagBytes.writeUInt32LE(flags >>> 0);
  const length = 16 + 4 + sections.reduce((n, b) => n + b.length, 0) + (options.checksum ? 4 : 0);
  const message = Buffer.concat([header(length, requestId, OP_MSG), flagBytes, ...sections]);
  if (!options.checksum) return message;
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(options.checksum === 'valid' ? crc32c(message) : (crc32c(message) ^ 1) >>> 0);
  return Buffer.concat([message, crc]);
}

function opQuery(fullCollectionName: string, query: Doc, requestId = nextRequestId++): Buffer {
  const name = Buffer.from(`${fullCollectionName}\0`);
  const fixed = Buffer.alloc(8);
  fixed.writeInt32LE(0, 0);
  fixed.writeInt32LE(-1, 4);
  const flags = Buffer.alloc(4);
  const doc = Buffer.from(serialize(query));
  const length = 16 + 4 + name.length + 8 + doc.length;
  return Buffer.concat([header(length, requestId, OP_QUERY), flags, name, fixed, doc]);
}

interface Reply {
  opCode: number;
  responseTo: number;
  body: Doc;
}

function parseReply(message: Buffer): Reply {
  const opCode = message.readInt32LE(12);
  const responseTo = message.readInt32LE(8);
  if (opCode === OP_MSG) {
    expect(message[20]).toBe(0);
    return { opCode, responseTo, body: deserialize(message.subarray(21)) };
  }
  expect(opCode).toBe(OP_REPLY);
  expect(message.readInt32LE(32)).toBe(1); // numberReturned
  return { opCode, responseTo, body: deserialize(message.subarray(36)) };
}

/** A bare TCP client speaking the wire protocol by hand. */
class RawConnection {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  #buffer = Buffer.alloc(0);
  #messages: Buffer[] = [];
  #waiter: (() => void) | undefined;
  #isClosed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 4 && this.#buffer.length >= this.#buffer.readInt32LE(0)) {
        const size = this.#buffer.readInt32LE(0);
        this.#messages.push(this.#buffer.subarray(0, size));
        this.#buffer = this.#buffer.subarray(size);
      }
      this.#waiter?.();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#isClosed = true;
        this.#waiter?.();
        resolve();
      }),
    );
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next reply; rejects if the server closes the connection or nothing comes in time. */
  async next(timeoutMs = 3_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#messages.length) {
      if (this.#isClosed) throw new Error('connection closed');
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('no reply');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
    return parseReply(this.#messages.shift()!);
  }

  async expectClosed(timeoutMs = 3_000): Promise<void> {
    await Promise.race([
      this.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('connection still open')), timeoutMs)),
    ]);
  }

  get hasPendingReplies(): boolean {
    return this.#messages.length > 0;
  }

  close(): void {
    this.socket.destroy();
  }
}

async function withServer<T>(fn: (server: EmbeddedMongo, warnings: string[]) => Promise<T>): Promise<T> {
  const warnings: string[] = [];
  const server = await startEmbeddedMongo({ logger: { warn: (message) => warnings.push(message) } });
  try {
    return await fn(server, warnings);
  } finally {
    await server.stop();
  }
}

describe('embedded MongoDB server', () => {
  let server: EmbeddedMongo;
  const warnings: string[] = [];

  beforeAll(async () => {
    server = await startEmbeddedMongo({ logger: { warn: (message) => warnings.push(message) } });
  });
  afterAll(async () => {
    await server.stop();
  });

  describe('binding and handshake', () => {
    it('listens on 127.0.0.1 only', async () => {
      expect(server.uri).toBe(`mongodb://127.0.0.1:${server.port}`);
      const local = await RawConnection.open(server.port);
      local.close();
      const external = Object.values(networkInterfaces())
        .flat()
        .filter((address) => address && address.family === 'IPv4' && !address.internal)
        .map((address) => address!.address);
      for (const host of external) {
        await expect(
          new Promise((resolve, reject) => {
            const socket = connect({ host, port: server.port }, () => {
              socket.destroy();
              resolve('connected');
            });
            socket.once('error', reject);
          }),
        ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      }
    });

    it('describes a standalone without replica set, sharding or compression', async () => {
      const connection = await RawConnection.open(server.port);
      connection.write(opMsg({ hello: 1, helloOk: true, compression: ['zstd', 'zlib'], $db: 'admin' }));
      const { body } = await connection.next();
      connection.close();
      expect(body).toMatchObject({
        ok: 1,
        helloOk: true,
        isWritablePrimary: true,
        maxWireVersion: 21,
        minWireVersion: 0,
        maxBsonObjectSize: 16_777_216,
        maxMessageSizeBytes: 48_000_000,
        maxWriteBatchSize: 100_000,
        logicalSessionTimeoutMinutes: 30,
      });
      for (const field of [
        'setName',
        'hosts',
        'msg',
        'compression',
        'topologyVersion',
        'saslSupportedMechs',
      ]) {
        expect(body).not.toHaveProperty(field);
      }
    });

    it('answers the legacy OP_QUERY handshake with OP_REPLY', async () => {
      const connection = await RawConnection.open(server.port);
      connection.write(opQuery('admin.$cmd', { isMaster: 1, helloOk: true }, 77));
      const plain = await connection.next();
      expect(plain).toMatchObject({
        opCode: OP_REPLY,
        responseTo: 77,
        body: { ok: 1, ismaster: true, helloOk: true },
      });
      connection.write(
        opQuery('admin.$cmd', { $query: { ismaster: 1 }, $readPreference: { mode: 'primary' } }),
      );
      expect((await connection.next()).body).toMatchObject({ ok: 1, ismaster: true });
      // Anything but the handshake is refused over OP_QUERY, as by modern mongod.
      connection.write(opQuery('admin.$cmd', { ping: 1 }));
      expect((await connection.next()).body).toMatchObject({ ok: 0, code: 352 });
      connection.write(opMsg({ ping: 1, $db: 'admin' }));
      expect((await connection.next()).body).toMatchObject({ ok: 1 });
      connection.close();
    });

    it('requires $db in OP_MSG', async () => {
      const connection = await RawConnection.open(server.port);
      connection.write(opMsg({ ping: 1 }));
      expect((await connection.next()).body).toMatchObject({ ok: 0, code: 40571 });
      connection.close();
    });
  });

  describe('framing', () => {
    it('reassembles a message sent one byte at a time', async () => {
      const connection = await RawConnection.open(server.port);
      const message = opMsg({ ping: 1, $db: 'admin' }, { requestId: 4242 });
      for (const byte of message) {
        connection.write(Buffer.from([byte]));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await connection.next()).toMatchObject({ opCode: OP_MSG, responseTo: 4242, body: { ok: 1 } });
      connection.close();
    });

    it('answers several messages that arrive in one chunk, in order', async () => {
      const connection = await RawConnection.open(server.port);
      connection.write(
        Buffer.concat([
          opMsg({ ping: 1, $db: 'admin' }, { requestId: 1 }),
          opMsg({ buildInfo: 1, $db: 'admin' }, { requestId: 2 }),
          opMsg({ nosuch: 1, $db: 'admin' }, { requestId: 3 }),
        ]),
      );
      expect(await connection.next()).toMatchObject({ responseTo: 1, body: { ok: 1 } });
      expect(await connection.next()).toMatchObject({ responseTo: 2, body: { ok: 1, version: '7.0.0' } });
      expect(await connection.next()).toMatchObject({ responseTo: 3, body: { ok: 0, code: 59 } });
      connection.close();
    });

    it('folds document sequence sections (kind 1) into the command', async () => {
      const connection = await RawConnection.open(server.port);
      connection.write(
        opMsg(
          { insert: 'seq', $db: 'wire' },
          {
            sequences: [
              [
                'documents',
                [
                  { _id: 1, a: 'x' },
                  { _id: 2, a: 'y' },
                ],
              ],
            ],
          },
        ),
      );
      expect((await connection.next()).body).toMatchObject({ ok: 1, n: 2 });
      connection.write(opMsg({ find: 'seq', filter: {}, sort: { _id: 1 }, $db: 'wire' }));
      const { body } = await connection.next();
      expect((body.cursor as Doc).firstBatch).toEqual([
        { _id: 1, a: 'x' },
        { _id: 2, a: 'y' },
      ]);
      connection.close();
    });

    it('verifies the checksum when checksumPresent is set', async () => {
      const connection = await RawConnection.open(server.port);
      connection.write(opMsg({ ping: 1, $db: 'admin' }, { checksum: 'valid' }));
      expect((await connection.next()).body).toMatchObject({ ok: 1 });
      const before = warnings.length;
      connection.write(opMsg({ ping: 1, $db: 'admin' }, { checksum: 'invalid' }));
      await connection.expectClosed();
      expect(warnings.slice(before).join('\n')).toMatch(/checksum mismatch/);
    });

    it('sends no reply for moreToCome (unacknowledged) writes but applies them', async () => {
      const connection = await RawConnection.open(server.port);
      connection.write(opMsg({ insert: 'w0', documents: [{ _id: 'quiet' }], $db: 'wire' }, { flags: 2 }));
      connection.write(opMsg({ count: 'w0', query: {}, $db: 'wire' }, { requestId: 9001 }));
      expect(await connection.next()).toMatchObject({ responseTo: 9001, body: { ok: 1, n: 1 } });
      expect(connection.hasPendingReplies).toBe(false);
      connection.close();
    });
  });

  describe('bad input closes only the offending connection', () => {
    async function expectRejected(bytes: Buffer, reason: RegExp): Promise<void> {
      const bystander = new MongoClient(server.uri);
      try {
        await bystander.db('admin').command({ ping: 1 });
        const connection = await RawConnection.open(server.port);
        const before = warnings.length;
        connection.write(bytes);
        await connection.expectClosed();
        expect(warnings.slice(before).join('\n')).toMatch(reason);
        // Every other connection keeps working.
        expect(await bystander.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
        const fresh = await RawConnection.open(server.port);
        fresh.write(opMsg({ ping: 1, $db: 'admin' }));
        expect((await fresh.next()).body).toMatchObject({ ok: 1 });
        fresh.close();
      } finally {
        await bystander.close();
      }
    }

    it('a length shorter than a header', async () => {
      await expectRejected(header(8, 1, OP_MSG), /invalid message length 8/);
    });

    it('a message larger than maxMessageSizeBytes, refused from its header alone', async () => {
      await expectRejected(header(48_000_001, 1, OP_MSG), /exceeds maxMessageSizeBytes/);
    });

    it('an unknown or unsupported opcode', async () => {
      const body = Buffer.from(serialize({ ping: 1 }));
      await expectRejected(
        Buffer.concat([header(16 + body.length, 1, 2001), body]),
        /unsupported opCode 2001/,
      );
      await expectRejected(
        Buffer.concat([header(16 + body.length, 1, 2012), body]),
        /unsupported opCode 2012/,
      );
    });

    it('a body that is not valid BSON', async () => {
      const good = opMsg({ ping: 1, $db: 'admin' });
      const bad = Buffer.from(good);
      bad.writeInt32LE(1_000, 21); // BSON document length past the end of the message
      await expectRejected(bad, /BSON/);
    });

    it('an unknown required flag bit', async () => {
      await expectRejected(opMsg({ ping: 1, $db: 'admin' }, { flags: 1 << 4 }), /unknown required flag/);
    });
  });

  describe('lifecycle', () => {
    it('survives repeated driver connect/close cycles', async () => {
      for (let i = 0; i < 15; i++) {
        const client = new MongoClient(server.uri);
        await client.connect();
        await client.db('cycles').collection('c').insertOne({ i });
        await client.close();
      }
      const client = new MongoClient(server.uri);
      try {
        expect(await client.db('cycles').collection('c').countDocuments()).toBe(15);
      } finally {
        await client.close();
      }
    });
  });
});

describe('embedded MongoDB server stop and restart', () => {
  it('stop() closes open connections, frees the port, and a new start begins empty', async () => {
    const first = await startEmbeddedMongo({ logger: { warn: () => {} } });
    const port = first.port;
    const client = new MongoClient(first.uri);
    await client.db('life').collection('c').insertOne({ a: 1 });
    // Closed before stop(): the driver's own close sends endSessions, which would wait on a dead server.
    await client.close();
    const connection = await RawConnection.open(port);
    connection.write(opMsg({ ping: 1, $db: 'admin' }));
    expect((await connection.next()).body).toMatchObject({ ok: 1 });
    await first.stop();
    await connection.expectClosed();
    await expect(RawConnection.open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const second = await startEmbeddedMongo({ port, logger: { warn: () => {} } });
    try {
      expect(second.port).toBe(port);
      const again = new MongoClient(second.uri);
      try {
        expect(await again.db('life').collection('c').countDocuments()).toBe(0); // in-memory only
      } finally {
        await again.close();
      }
    } finally {
      await second.stop();
    }
  });

  it('stop() may be called twice', async () => {
    await withServer(async (server) => {
      await server.stop();
      await server.stop();
    });
  });
});

describe('npm run mongo (cli.ts)', () => {
  it('serves in the foreground, prints its URI, and exits cleanly on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../../../infra/local/mongo/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let output = '';
      const uri = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URI printed: ${output}`)), 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /mongodb:\/\/127\.0\.0\.1:\d+/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[0]);
          }
        });
        void exited.then((code) => reject(new Error(`exited early (${code}): ${output}`)));
      });
      expect(output).toMatch(/in-memory/i);
      const client = new MongoClient(uri);
      try {
        expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
      } finally {
        await client.close();
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      // Never leave the server process behind, whatever failed above.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});
