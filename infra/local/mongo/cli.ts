/**
 * `npm run mongo -- [--port <port>] [--dbpath <dir>]`: runs the embedded MongoDB-compatible
 * server in the foreground until SIGINT/SIGTERM. With --dbpath the data is kept there (journal +
 * snapshot, see persistence.ts); without it, everything is lost when the process stops.
 * Started by process.ts (with an IPC channel) it reports its URI to the parent instead of
 * printing it, and stops when the parent goes away.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedMongo } from './index.ts';
import type { ReadyMessage } from './process.ts';

function parseOptions(argv: string[]): { port: number; dbpath: string | undefined } {
  const DEFAULT_PORT = 27017;
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, dbpath: { type: 'string' } },
    strict: true,
  });
  const dbpath = values.dbpath ? resolve(values.dbpath) : undefined;
  if (values.port === undefined) return { port: DEFAULT_PORT, dbpath };
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid --port value: ${values.port}`);
  return { port, dbpath };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = performance.now();
  const server = await startEmbeddedMongo(options);
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  if (process.send) {
    process.send({ uri: server.uri, port: server.port } satisfies ReadyMessage);
  } else {
    // One write, so a reader waiting for the URI also has the durability note.
    console.log(
      `Embedded MongoDB-compatible server listening on ${server.uri}\n` +
        (options.dbpath
          ? `Data directory: ${options.dbpath} (loaded in ${seconds} s; every acknowledged write is journaled there).`
          : 'In-memory only: all data is lost when this process stops (give --dbpath DIR to keep it).') +
        ' Press Ctrl+C to stop.',
    );
  }
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    if (!process.send) console.log(`${reason}: stopping the embedded MongoDB server`);
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`[embedded-mongo] stopping failed: ${(error as Error).stack ?? String(error)}`);
        process.exit(1);
      },
    );
  };
  // Under a parent, Ctrl+C reaches both: the parent decides when the database goes (after its
  // own clients have stopped), by SIGTERM or by going away.
  process.on('SIGINT', () => (process.send ? undefined : shutdown('SIGINT')));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('disconnect', () => shutdown('parent process gone'));
}

main().catch((error: unknown) => {
  console.error(`Failed to start the embedded MongoDB server: ${(error as Error).message}`);
  process.exit(1);
});
