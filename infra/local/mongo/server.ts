/**
 * The TCP server: accepts connections on 127.0.0.1, frames messages, runs each connection's
 * commands in order and writes the replies. A command runs synchronously, except a large write
 * batch, which runs in slices with other connections' commands served in between (as mongod
 * yields between the operations of a batch); a single document's write is never split. With a
 * data directory, a command's changes are journaled before its reply is sent.
 * A connection that sends something unparseable is closed on its own; the rest keep working.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { serialize } from 'bson';
import { listenLocal } from '../listen.ts';
import { SERVER_VERSION } from './commands/handshake.ts';
import { type CommandContext, type CommandReply, isKnownCommand, runCommand } from './commands/index.ts';
import { CursorRegistry } from './cursors.ts';
import { CommandError, ErrorCodes, toCommandError } from './errors.ts';
import type { DataDirectory } from './persistence.ts';
import { work } from './planner.ts';
import { Storage } from './storage.ts';
import type { Document } from './values.ts';
import { encodeOpMsg, encodeOpReply, MessageFramer, OP_QUERY, ProtocolError, parseMessage } from './wire.ts';

export interface EmbeddedMongoLogger {
  warn(message: string): void;
}

const SERIALIZE_OPTIONS = { ignoreUndefined: true } as const;
/** Commands a driver may still send as legacy OP_QUERY: only the initial handshake. */
const OP_QUERY_COMMANDS = new Set(['hello', 'isMaster', 'ismaster']);
const CURSOR_SWEEP_INTERVAL_MS = 60_000;

/** Per command name: how often it ran and the index keys / documents it examined. */
export interface CommandWork {
  total: number;
  failed: number;
  keysExamined: number;
  docsExamined: number;
}

export class EmbeddedMongoServer {
  readonly storage = new Storage();
  readonly #cursors = new CursorRegistry();
  readonly #sockets = new Set<Socket>();
  readonly #logger: EmbeddedMongoLogger;
  readonly #server: Server;
  readonly #commandWork = new Map<string, CommandWork>();
  readonly #startedAt = Date.now();
  #dataDirectory: DataDirectory | undefined;
  #nextConnectionId = 1;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(logger: EmbeddedMongoLogger) {
    this.#logger = logger;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  /** Journals every change from now on (the directory has already loaded its data into storage). */
  attach(dataDirectory: DataDirectory): void {
    this.#dataDirectory = dataDirectory;
  }

  /** Binds 127.0.0.1 only: this server has no authentication and must not be reachable from outside. */
  async listen(port: number): Promise<number> {
    const bound = await listenLocal(this.#server, port);
    this.#server.on('error', (error) => this.#logger.warn(`[embedded-mongo] server error: ${error.message}`));
    this.#sweeper = setInterval(() => this.#cursors.sweep(), CURSOR_SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
    return bound;
  }

  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    this.#cursors.clear();
    await closed;
    await this.#dataDirectory?.close();
  }

  #accept(socket: Socket): void {
    const connectionId = this.#nextConnectionId++;
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const framer = new MessageFramer();
    let busy = false;
    // One message at a time per connection, in order; a sliced batch holds its connection's
    // queue (not the others') until it has replied.
    const pump = async () => {
      busy = true;
      try {
        for (let message = framer.next(); message; message = framer.next()) {
          let reply = this.#handle(message, connectionId);
          if (reply instanceof Promise) reply = await reply;
          if (reply && !socket.destroyed) socket.write(reply);
        }
      } catch (error) {
        const reason =
          error instanceof ProtocolError ? error.message : `internal error: ${(error as Error).stack}`;
        this.#logger.warn(`[embedded-mongo] closing connection ${connectionId} from ${peer}: ${reason}`);
        socket.destroy();
      } finally {
        busy = false;
      }
    };
    socket.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      if (!busy) void pump();
    });
    // Resets and aborted clients are routine; the 'close' handler does the cleanup.
    socket.on('error', () => {});
    socket.on('close', () => this.#sockets.delete(socket));
  }

  /** Runs one message; returns the bytes to send back, or undefined when no reply is expected. */
  #handle(message: Buffer, connectionId: number): Buffer | undefined | Promise<Buffer | undefined> {
    const request = parseMessage(message);
    const requestId = request.header.requestId;
    if (request.opCode === OP_QUERY) {
      const body = this.#runLegacy(request.fullCollectionName, request.query, connectionId);
      return body instanceof Promise
        ? body.then((bytes) => encodeOpReply(requestId, bytes))
        : encodeOpReply(requestId, body);
    }
    const db = request.command.$db;
    const body =
      typeof db === 'string' && db
        ? this.#execute(request.command, db, connectionId)
        : encodeError(new CommandError(ErrorCodes.OpMsgMissingDb, 'OP_MSG requests require a $db argument'));
    const reply = (bytes: Uint8Array) => (request.moreToCome ? undefined : encodeOpMsg(requestId, bytes));
    return body instanceof Promise ? body.then(reply) : reply(body);
  }

  /** Legacy OP_QUERY: modern servers only answer the handshake this way. */
  #runLegacy(
    fullCollectionName: string,
    query: Document,
    connectionId: number,
  ): Uint8Array | Promise<Uint8Array> {
    const command = (query.$query && typeof query.$query === 'object' ? query.$query : query) as Document;
    const name = Object.keys(command)[0] ?? '';
    if (!fullCollectionName.endsWith('.$cmd') || !OP_QUERY_COMMANDS.has(name)) {
      return encodeError(
        new CommandError(
          352,
          `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal`,
        ),
      );
    }
    return this.#execute(command, fullCollectionName.slice(0, -'.$cmd'.length), connectionId);
  }

  /**
   * Runs a command; a sliced batch returns a promise. The keys and documents it examines are
   * counted while it runs (not while other commands run between its slices).
   */
  #execute(command: Document, db: string, connectionId: number): Uint8Array | Promise<Uint8Array> {
    const name = Object.keys(command)[0] ?? '';
    const counted = this.#workOf(isKnownCommand(name) ? name : 'unknown');
    let keys = work.keysExamined;
    let docs = work.docsExamined;
    const pause = () => {
      counted.keysExamined += work.keysExamined - keys;
      counted.docsExamined += work.docsExamined - docs;
    };
    const resume = () => {
      keys = work.keysExamined;
      docs = work.docsExamined;
    };
    const context: CommandContext = {
      storage: this.storage,
      cursors: this.#cursors,
      db,
      connectionId,
      betweenSlices: async () => {
        pause();
        await nextTurn();
        resume();
      },
      status: () => this.#status(),
    };
    const finish = (reply: CommandReply): Uint8Array => {
      pause();
      // Acknowledged only once journaled: the changes are appended before the reply is sent.
      this.#dataDirectory?.commit(wantsJournalSync(command));
      return Buffer.isBuffer(reply) ? reply : serialize(reply, SERIALIZE_OPTIONS);
    };
    const fail = (error: unknown): Uint8Array => {
      pause();
      counted.failed++;
      // Undecodable BSON inside a document sequence: close the connection like any bad message.
      if (error instanceof ProtocolError) throw error;
      // A batch that failed part-way still applied (and must journal) its earlier writes.
      this.#dataDirectory?.commit(wantsJournalSync(command));
      const commandError = toCommandError(error);
      if (commandError.code === ErrorCodes.InternalError) {
        this.#logger.warn(
          `[embedded-mongo] ${isKnownCommand(name) ? name : 'command'} failed: ${(error as Error).stack ?? String(error)}`,
        );
      }
      return encodeError(commandError);
    };
    try {
      const reply = runCommand(command, context);
      return reply instanceof Promise ? reply.then(finish, fail) : finish(reply);
    } catch (error) {
      return fail(error);
    }
  }

  #workOf(name: string): CommandWork {
    let counted = this.#commandWork.get(name);
    if (!counted) {
      counted = { total: 0, failed: 0, keysExamined: 0, docsExamined: 0 };
      this.#commandWork.set(name, counted);
    }
    counted.total++;
    return counted;
  }

  /** serverStatus: mongod's sections this server can fill truthfully. */
  #status(): Document {
    const memory = process.memoryUsage();
    let scanned = 0;
    let scannedObjects = 0;
    const commands: Document = {};
    for (const [name, counted] of [...this.#commandWork].sort(([a], [b]) => (a < b ? -1 : 1))) {
      commands[name] = { ...counted };
      scanned += counted.keysExamined;
      scannedObjects += counted.docsExamined;
    }
    return {
      host: '127.0.0.1',
      version: SERVER_VERSION,
      process: 'embedded-mongo',
      pid: process.pid,
      uptime: Math.floor((Date.now() - this.#startedAt) / 1000),
      uptimeMillis: Date.now() - this.#startedAt,
      localTime: new Date(),
      connections: { current: this.#sockets.size },
      mem: { bits: 64, resident: Math.round(memory.rss / 2 ** 20), supported: true },
      // mongod's counters: index keys scanned and documents examined by all commands.
      metrics: { queryExecutor: { scanned, scannedObjects }, commands },
      storageEngine: {
        name: this.#dataDirectory ? 'embedded-journal' : 'embedded-in-memory',
        persistent: this.#dataDirectory !== undefined,
        ...(this.#dataDirectory ? { dbPath: this.#dataDirectory.path } : {}),
      },
      ok: 1,
    };
  }
}

/** `writeConcern: { j: true }` (or `fsync: true`) asks for the journal on disk before the reply. */
function wantsJournalSync(command: Document): boolean {
  const concern = command.writeConcern;
  return (
    typeof concern === 'object' &&
    concern !== null &&
    ((concern as Document).j === true || (concern as Document).fsync === true)
  );
}

function encodeError(error: CommandError): Uint8Array {
  return serialize(error.toReply(), SERIALIZE_OPTIONS);
}
