import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { banner } from './banner.ts';
import { DEFAULT_POOL_SWEEP_MS } from './events/local-events.ts';
import { resetLocalState } from './reset.ts';
import { DEFAULTS, type LocalStack, startLocalStack } from './stack.ts';

/**
 * `npm start`: the whole service on this machine (contract §7). Reads its settings from the
 * environment, starts the local stack, prints where everything is, and stops it all on Ctrl-C.
 */
const port = z.coerce.number().int().min(0).max(65_535);
const settings = z
  .object({
    PORT: port.default(DEFAULTS.port),
    S3_PORT: port.default(DEFAULTS.s3Port),
    BUCKET_NAME: z.string().trim().min(1).default(DEFAULTS.bucket),
    MONGODB_URI: z.string().trim().min(1).optional(),
    /** How often the low-stock sweep runs locally (contract §6b). */
    POOL_SWEEP_MS: z.coerce.number().int().positive().default(DEFAULT_POOL_SWEEP_MS),
    /** Keeps the database, the token signing key and the S3 objects across restarts (git-ignored). */
    LOCAL_STATE_DIR: z
      .string()
      .trim()
      .min(1)
      .default(join(fileURLToPath(new URL('../../', import.meta.url)), '.local')),
  })
  .safeParse(process.env);

if (!settings.success) {
  console.error(
    `Invalid local settings: ${settings.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
  );
  process.exit(1);
}
const env = settings.data;

// `npm start -- --reset`: begin from nothing (contract §7), saying first what goes.
if (process.argv.slice(2).includes('--reset')) await resetLocalState(env.LOCAL_STATE_DIR);

let stack: LocalStack;
try {
  stack = await startLocalStack({
    port: env.PORT,
    s3Port: env.S3_PORT,
    bucket: env.BUCKET_NAME,
    stateDir: env.LOCAL_STATE_DIR,
    poolSweepMs: env.POOL_SWEEP_MS,
    ...(env.MONGODB_URI ? { mongoUri: env.MONGODB_URI } : {}),
  });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  console.error(
    code === 'EADDRINUSE'
      ? `A port is already in use (${(error as Error).message}); set PORT / S3_PORT to free ones.`
      : `The local stack failed to start: ${(error as Error).stack ?? String(error)}`,
  );
  process.exit(1);
}

console.log(banner(stack, env.MONGODB_URI === undefined));

/**
 * Ctrl-C: the first stops the stack gracefully (stack.stop(): running imports stop at their next
 * safe point, their records resumable at once) and exits 0; a second exits at once.
 *
 * `npm start` runs this process with `exec node --import tsx` (package.json): neither tsx's CLI,
 * which relays a signal and SIGKILLs a child that does not acknowledge it within ~30 ms (a busy
 * import does not), nor a shell, which after Ctrl-C makes npm exit 130 whatever we exit with. npm
 * itself then forwards the terminal's SIGINT to us: one Ctrl-C arrives twice, a few ms apart, so a
 * signal within REPEAT_MS of the first is the same Ctrl-C, not a second one.
 */
const REPEAT_MS = 1000;
let firstSignalAt: number | undefined;
const shutdown = (signal: NodeJS.Signals) => {
  if (firstSignalAt !== undefined) {
    if (Date.now() - firstSignalAt < REPEAT_MS) return;
    console.log(`${signal} again: exiting without waiting.`);
    process.exit(130);
  }
  firstSignalAt = Date.now();
  console.log(`${signal}: stopping (running imports stop at their next batch; Ctrl-C again exits at once)…`);
  stack.stop().then(
    () => {
      console.log('Stopped.');
      process.exit(0);
    },
    (error: unknown) => {
      console.error(`Stopping failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
