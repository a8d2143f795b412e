/**
 * The TCP server: accepts connections on 127.0.0.1, frames messages, runs each command
 * synchronously (so every command is atomic with respect to every other) and writes the reply.
 * A connection that sends something unparseable is closed on its own; the rest keep working.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { serialize } from 'bson';
import { listenLocal } from '../listen.ts';
import { type CommandContext, isKnownCommand, runCommand } from './commands/index.ts';
import { CursorRegistry } from './cursors.ts';
import { CommandError, ErrorCodes, toCommandError } from './errors.ts';
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

export class EmbeddedMongoServer {
  readonly #storage = new Storage();
  readonly #cursors = new CursorRegistry();
  readonly #sockets = new Set<Socket>();
  readonly #logger: EmbeddedMongoLogger;
  readonly #server: Server;
  #nextConnectionId = 1;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(logger: EmbeddedMongoLogger) {
    this.#logger = logger;
    this.#server = createServer((socket) => this.#accept(socket));
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
  }

  #accept(socket: Socket): void {
    const connectionId = this.#nextConnectionId++;
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const framer = new MessageFramer();
    socket.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      try {
        for (let message = framer.next(); message; message = framer.next()) {
          const reply = this.#handle(message, connectionId);
          if (reply) socket.write(reply);
        }
      } catch (error) {
        const reason =
          error instanceof ProtocolError ? error.message : `internal error: ${(error as Error).stack}`;
        this.#logger.warn(`[embedded-mongo] closing connection ${connectionId} from ${peer}: ${reason}`);
        socket.destroy();
      }
    });
    // Resets and aborted clients are routine; the 'close' handler does the cleanup.
    socket.on('error', () => {});
    socket.on('close', () => this.#sockets.delete(socket));
  }

  /** Runs one message; returns the bytes to send back, or undefined when no reply is expected. */
  #handle(message: Buffer, connectionId: number): Buffer | undefined {
    const request = parseMessage(message);
    const requestId = request.header.requestId;
    if (request.opCode === OP_QUERY) {
      return encodeOpReply(
        requestId,
        this.#runLegacy(request.fullCollectionName, request.query, connectionId),
      );
    }
    const db = request.command.$db;
    const body =
      typeof db === 'string' && db
        ? this.#execute(request.command, db, connectionId)
        : encodeError(new CommandError(ErrorCodes.OpMsgMissingDb, 'OP_MSG requests require a $db argument'));
    return request.moreToCome ? undefined : encodeOpMsg(requestId, body);
  }

  /** Legacy OP_QUERY: modern servers only answer the handshake this way. */
  #runLegacy(fullCollectionName: string, query: Document, connectionId: number): Uint8Array {
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

  #execute(command: Document, db: string, connectionId: number): Uint8Array {
    const context: CommandContext = { storage: this.#storage, cursors: this.#cursors, db, connectionId };
    try {
      const reply = runCommand(command, context);
      return Buffer.isBuffer(reply) ? reply : serialize(reply, SERIALIZE_OPTIONS);
    } catch (error) {
      // Undecodable BSON inside a document sequence: close the connection like any bad message.
      if (error instanceof ProtocolError) throw error;
      const commandError = toCommandError(error);
      if (commandError.code === ErrorCodes.InternalError) {
        const name = Object.keys(command)[0] ?? '';
        this.#logger.warn(
          `[embedded-mongo] ${isKnownCommand(name) ? name : 'command'} failed: ${(error as Error).stack ?? String(error)}`,
        );
      }
      return encodeError(commandError);
    }
  }
}

function encodeError(error: CommandError): Uint8Array {
  return serialize(error.toReply(), SERIALIZE_OPTIONS);
}
