/**
 * Embedded MongoDB-compatible server for local runs and tests.
 *
 * It speaks the MongoDB wire protocol, so the unmodified `mongodb` driver connects to it over TCP
 * exactly as to Atlas; query, update, projection and aggregation semantics come from mingo.
 * Without a data directory every document lives in memory and is gone when it stops (tests);
 * with one (`dbpath`) every acknowledged write is journaled and survives a restart or a crash
 * (persistence.ts). Point MONGODB_URI at a real server to bypass it entirely: nothing else changes.
 */
import { DataDirectory } from './persistence.ts';
import { type EmbeddedMongoLogger, EmbeddedMongoServer } from './server.ts';

export { startEmbeddedMongoProcess } from './process.ts';
export type { EmbeddedMongoLogger } from './server.ts';

export interface EmbeddedMongoOptions {
  /** TCP port; 0 or undefined picks a free one. */
  port?: number;
  /** The server always binds 127.0.0.1 (it has no authentication); there is no host option. */
  host?: never;
  /** Receives the reason whenever a connection is closed for a bad message. Defaults to console. */
  logger?: EmbeddedMongoLogger;
  /** Data directory: loaded at start, journaled to from then on. Unset: in memory only. */
  dbpath?: string | undefined;
  /** Journal size past which it is compacted into a snapshot (default 64 MiB; tests use less). */
  compactAfterBytes?: number | undefined;
}

export interface EmbeddedMongo {
  /** `mongodb://127.0.0.1:<port>` */
  uri: string;
  port: number;
  /** Closes every connection and the listening socket; the data is kept only with a dbpath. */
  stop(): Promise<void>;
}

export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const logger = options.logger ?? console;
  const server = new EmbeddedMongoServer(logger);
  if (options.dbpath) {
    server.attach(DataDirectory.open(options.dbpath, server.storage, logger, options.compactAfterBytes));
  }
  let port: number;
  try {
    port = await server.listen(options.port ?? 0);
  } catch (error) {
    await server.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    uri: `mongodb://127.0.0.1:${port}`,
    port,
    stop: () => {
      stopping ??= server.close();
      return stopping;
    },
  };
}
