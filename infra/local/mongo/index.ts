/**
 * Embedded MongoDB-compatible server for local runs and tests.
 *
 * IN-MEMORY ONLY: every document lives in this process and is gone when it stops. It speaks the
 * MongoDB wire protocol, so the unmodified `mongodb` driver connects to it over TCP exactly as
 * to Atlas; query, update, projection and aggregation semantics come from mingo. Point
 * MONGODB_URI at a real server to bypass it entirely: nothing else changes.
 */
import { type EmbeddedMongoLogger, EmbeddedMongoServer } from './server.ts';

export type { EmbeddedMongoLogger } from './server.ts';

export interface EmbeddedMongoOptions {
  /** TCP port; 0 or undefined picks a free one. */
  port?: number;
  /** The server always binds 127.0.0.1 (it has no authentication); there is no host option. */
  host?: never;
  /** Receives the reason whenever a connection is closed for a bad message. Defaults to console. */
  logger?: EmbeddedMongoLogger;
}

export interface EmbeddedMongo {
  /** `mongodb://127.0.0.1:<port>` */
  uri: string;
  port: number;
  /** Closes every connection and the listening socket; the data is discarded. */
  stop(): Promise<void>;
}

export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const server = new EmbeddedMongoServer(options.logger ?? console);
  const port = await server.listen(options.port ?? 0);
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
