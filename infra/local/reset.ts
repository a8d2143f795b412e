import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What lives in the local state directory, for the message `--reset` prints. */
const KNOWN: Record<string, string> = {
  mongo: 'the embedded MongoDB data (every pool, code and import)',
  s3: 'the local S3 objects (uploaded CSVs and exports)',
  auth: 'the token signing key (tokens minted before stop working)',
};

/** Empties the local state directory after printing what each removed entry held. */
export async function resetLocalState(stateDir: string): Promise<void> {
  const entries = await readdir(stateDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  if (!entries.length) {
    console.log(`--reset: ${stateDir} is already empty.`);
    return;
  }
  console.log(`--reset: removing everything under ${stateDir}:`);
  for (const entry of entries.sort())
    console.log(`  ${join(stateDir, entry)}  ${KNOWN[entry] ?? ''}`.trimEnd());
  for (const entry of entries) await rm(join(stateDir, entry), { recursive: true, force: true });
}
