/**
 * `npm run mongo -- --port <port>`: runs the embedded, IN-MEMORY MongoDB-compatible server in the
 * foreground until SIGINT/SIGTERM. Data is lost when it stops.
 */
import { parseArgs } from 'node:util';
import { startEmbeddedMongo } from './index.ts';

function parsePort(argv: string[]): number {
  const DEFAULT_PORT = 27017;
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' } }, strict: true });
  if (values.port === undefined) return DEFAULT_PORT;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid --port value: ${values.port}`);
  return port;
}

async function main(): Promise<void> {
  const server = await startEmbeddedMongo({ port: parsePort(process.argv.slice(2)) });
  // One write, so a reader waiting for the URI also has the in-memory warning.
  console.log(
    `Embedded MongoDB-compatible server listening on ${server.uri}\n` +
      'In-memory only: all data is lost when this process stops. Press Ctrl+C to stop.',
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, stopping embedded MongoDB server`);
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`Failed to start the embedded MongoDB server: ${(error as Error).message}`);
  process.exit(1);
});
