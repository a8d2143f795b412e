import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
// @ts-expect-error: the project's one esbuild configuration is plain JavaScript (no declarations).
import { bundleName, PROJECT_ROOT, sharedBuildOptions } from '../../../esbuild.config.mjs';

/** What a build read: inputs (project-relative) newer than the build make it stale. */
interface BuildRecord {
  builtAt: number;
  entries: string[];
  inputs: string[];
}

const RECORD = 'build.json';

async function isFresh(outDir: string, entries: string[]): Promise<boolean> {
  let record: BuildRecord;
  try {
    record = JSON.parse(await readFile(join(outDir, RECORD), 'utf8')) as BuildRecord;
  } catch {
    return false;
  }
  if (record.entries.join('\n') !== entries.join('\n')) return false;
  const files = [...record.inputs, 'esbuild.config.mjs', 'package-lock.json'];
  const times = await Promise.all(
    files.map((file) =>
      stat(join(PROJECT_ROOT as string, file)).then(
        (s) => s.mtimeMs,
        () => Number.POSITIVE_INFINITY,
      ),
    ),
  );
  return times.every((time) => time <= record.builtAt);
}

/**
 * The functions' deployment bundles, as `npm run build` makes them (the same esbuild options):
 * `<outDir>/<name>/index.mjs`, one per entry file. Built in one esbuild run (the entries share most
 * modules), and only when a source file changed since the last build. Returns entry → bundle file.
 */
export async function ensureBundles(
  outDir: string,
  entries: readonly string[],
): Promise<Map<string, string>> {
  const sorted = [...entries].sort();
  const files = new Map(
    sorted.map((entry) => [entry, join(outDir, bundleName(entry) as string, 'index.mjs')]),
  );
  if (await isFresh(outDir, sorted)) return files;
  await mkdir(outDir, { recursive: true });
  const builtAt = Date.now();
  const result = await build({
    ...sharedBuildOptions,
    entryPoints: Object.fromEntries(
      sorted.map((entry) => [`${bundleName(entry) as string}/index`, join(PROJECT_ROOT as string, entry)]),
    ),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.keys(result.metafile?.inputs ?? {})
    .map((input) => relative(PROJECT_ROOT as string, join(PROJECT_ROOT as string, input)))
    .filter((input) => !input.startsWith('node_modules'));
  const record: BuildRecord = { builtAt, entries: sorted, inputs };
  await writeFile(join(outDir, RECORD), JSON.stringify(record));
  return files;
}
