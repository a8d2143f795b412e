/**
 * Runs the embedded server in a child process of its own (`npm start` does), so its work never
 * holds up the caller's event loop (the local gateway and functions), and so a crash of either
 * can be tested apart: `kill -9` of the child is what the durability tests do. The child is the
 * same program as `npm run mongo`; it stops cleanly when its parent goes away (IPC disconnect).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EmbeddedMongo } from './index.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** The message the child sends its parent once it listens. */
export interface ReadyMessage {
  uri: string;
  port: number;
}

export interface EmbeddedMongoProcess extends EmbeddedMongo {
  /** The child's pid (for tests that kill it). */
  pid: number;
  /** Settles when the child exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startEmbeddedMongoProcess(
  options: { port?: number; dbpath?: string | undefined } = {},
): Promise<EmbeddedMongoProcess> {
  const args = ['--import', TSX_LOADER, CLI, '--port', String(options.port ?? 0)];
  if (options.dbpath) args.push('--dbpath', options.dbpath);
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    child.once('message', (message) => resolve(message as ReadyMessage));
    child.once('error', reject);
    void exited.then(({ code, signal }) =>
      reject(
        new Error(
          `the embedded MongoDB process exited (${signal ?? `code ${code}`}) before it was ready; see its output above`,
        ),
      ),
    );
  });
  let stopping: Promise<void> | undefined;
  return {
    ...ready,
    pid: child.pid!,
    exited,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const { code, signal } = await exited;
        if (code !== 0 && signal !== 'SIGKILL') {
          throw new Error(`the embedded MongoDB process stopped with ${signal ?? `code ${code}`}`);
        }
      })();
      return stopping;
    },
  };
}
