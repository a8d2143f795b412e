/**
 * Connection-level commands: the handshake (hello / legacy isMaster), ping, buildInfo and the
 * session bookkeeping drivers send on close. The handshake describes a standalone server: no
 * setName (not a replica set), no msg: 'isdbgrid' (not mongos), no compression, no
 * topologyVersion (so drivers poll instead of streaming awaitable hellos, which are not served).
 */
import { MAX_BSON_SIZE } from '../collection.ts';
import type { Document } from '../values.ts';
import { MAX_MESSAGE_SIZE } from '../wire.ts';
import type { CommandContext, CommandHandler } from './context.ts';

export const SERVER_VERSION = '7.0.0';
/** MongoDB 7.0's wire version; driver 7.x accepts 9 through 29. */
export const MAX_WIRE_VERSION = 21;

function handshake(command: Document, context: CommandContext, legacy: boolean): Document {
  const reply: Document = {};
  if (command.helloOk === true) reply.helloOk = true;
  if (legacy) reply.ismaster = true;
  else reply.isWritablePrimary = true;
  Object.assign(reply, {
    maxBsonObjectSize: MAX_BSON_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: context.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  });
  return reply;
}

const hello: CommandHandler = (command, context) => handshake(command, context, false);
const isMaster: CommandHandler = (command, context) => handshake(command, context, true);

const ping: CommandHandler = () => ({ ok: 1 });

const buildInfo: CommandHandler = () => ({
  version: SERVER_VERSION,
  gitVersion: 'embedded-in-memory',
  versionArray: [7, 0, 0, 0],
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_SIZE,
  storageEngines: [],
  ok: 1,
});

/** The server's counters, including the keys and documents each command examined (server.ts). */
const serverStatus: CommandHandler = (_command, context) => context.status();

/** Sessions are accepted (lsid is ignored) so ending them is a no-op. */
const endSessions: CommandHandler = () => ({ ok: 1 });

export const handshakeCommands: Record<string, CommandHandler> = {
  hello,
  isMaster,
  ismaster: isMaster,
  ping,
  buildInfo,
  buildinfo: buildInfo,
  endSessions,
  serverStatus,
};
