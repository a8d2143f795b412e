/**
 * `npm run mongo -- --port <port>`: runs the embedded, IN-MEMORY MongoDB-compatible server in the
 * foreground until SIGINT/SIGTERM. Data is lost when it stops.
 */
import { startEmbeddedMongo } from './index.ts';

function parsePort(argv: readonly string[]): number {
  const DEFAULT_PORT = 27017;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value =
      arg === '--port' ? argv[i + 1] : arg.startsWith('--port=') ? arg.slice('--port='.length) : undefined;
    if (value === undefined) continue;
    const port = Number(value);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`invalid --port value: ${value}`);
    }
    return port;
  }
  return DEFAULT_PORT;
}

async function main(): Promise<void> {
  const server = await startEmbeddedMongo({ port: parsePort(process.argv.slice(2)) });
  console.log(`Embedded MongoDB-compatible server listening on ${server.uri}`);
  console.log('In-memory only: all data is lost when this process stops. Press Ctrl+C to stop.');
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
