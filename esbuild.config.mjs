// The project's one esbuild configuration. `npm run build` (node esbuild.config.mjs) bundles every
// Lambda entry of functions/ into dist/<name>/index.mjs (+ .map) and prints each bundle's size; the
// CDK construct (infra/bundling.ts) and the bundle-size benchmark import the SAME options from here,
// so what is measured locally is what gets deployed.
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const PROJECT_ROOT = fileURLToPath(new URL('.', import.meta.url));
export const FUNCTIONS_DIR = join(PROJECT_ROOT, 'functions');
export const DEFAULT_OUT_DIR = join(PROJECT_ROOT, 'dist');

/** Budget per minified bundle (issue 6): 1.2 MB, counted strictly (decimal megabytes). */
export const BUNDLE_SIZE_TARGET_BYTES = 1_200_000;

/**
 * Optional peer dependencies of the MongoDB driver (Kerberos, compression, client-side encryption,
 * AWS/GCP auth, SOCKS proxies). We use none of them; the driver `require`s them lazily inside
 * try/catch, so leaving them out of the bundle is safe and keeps esbuild from failing on them.
 */
export const MONGODB_OPTIONAL_DEPENDENCIES = [
  'kerberos',
  '@mongodb-js/zstd',
  'snappy',
  'socks',
  'gcp-metadata',
  'mongodb-client-encryption',
  '@aws-sdk/credential-providers',
];

/**
 * Shared esbuild options (everything but the entry point and output location).
 *
 * The AWS SDK v3 (`@aws-sdk/*`) is NOT bundled: every Node.js Lambda runtime since 18 ships the
 * whole SDK v3. Measured with the bundle-size benchmark, bundling our pinned copy adds ~0.5 MB to
 * the functions that use S3 and Lambda (upload: ~1.6 MB bundled vs ~1.1 MB external) and ~0.3 MB to
 * every function that reads the MongoDB secret, which breaks the 1.2 MB budget and slows cold
 * starts. The price is that the deployed code runs the runtime's SDK version instead of the one in
 * package-lock.json; we only use long-stable calls (GetObject, HeadObject, Invoke, GetSecretValue).
 *
 * @type {Readonly<import('esbuild').BuildOptions>}
 */
export const sharedBuildOptions = Object.freeze({
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The Lambda runtime (infra/constructs/service-function.ts FUNCTION_RUNTIME): keep in step.
  target: 'node24',
  minify: true,
  // Linked source maps (index.mjs.map next to the bundle) for NODE_OPTIONS=--enable-source-maps.
  // The sources themselves stay out of the map: stack traces need only the mappings.
  sourcemap: 'linked',
  sourcesContent: false,
  // Prefer the ESM build of dual packages: it tree-shakes better.
  mainFields: ['module', 'main'],
  // An ESM bundle that contains CommonJS dependencies needs a real `require` for Node built-ins.
  // The alias keeps the banner from clashing with a bundled `createRequire` binding.
  banner: {
    js: "import { createRequire as __bundleCreateRequire } from 'node:module';const require = __bundleCreateRequire(import.meta.url);",
  },
  external: ['@aws-sdk/*', ...MONGODB_OPTIONAL_DEPENDENCIES],
  legalComments: 'none',
  logLevel: 'warning',
});

/** The Lambda entry files of functions/ (one per function), absolute paths, sorted. */
export async function functionEntries(functionsDir = FUNCTIONS_DIR) {
  const files = await readdir(functionsDir);
  return files
    .filter((file) => extname(file) === '.ts' && !file.endsWith('.d.ts') && !file.endsWith('.test.ts'))
    .sort()
    .map((file) => join(functionsDir, file));
}

/** Name of a function's output folder: its entry file's name without extension (`get-import`). */
export const bundleName = (entry) => basename(entry, extname(entry));

/**
 * Bundles the given entries into `<outDir>/<name>/index.mjs` (+ `.map`) with the shared options.
 *
 * @param {{ outDir?: string, entries?: string[] }} [options]
 * @returns {Promise<Array<{ name: string, entry: string, file: string, bytes: number, mapBytes: number }>>}
 */
export async function bundleFunctions({ outDir = DEFAULT_OUT_DIR, entries } = {}) {
  const toBuild = entries ?? (await functionEntries());
  // Sequential on purpose: the machine's cores are shared, and esbuild parallelises internally.
  const results = [];
  for (const entry of toBuild) {
    const name = bundleName(entry);
    const file = join(outDir, name, 'index.mjs');
    await build({ ...sharedBuildOptions, entryPoints: [entry], outfile: file });
    results.push({
      name,
      entry,
      file,
      bytes: (await stat(file)).size,
      mapBytes: (await stat(`${file}.map`)).size,
    });
  }
  return results;
}

const formatMb = (bytes) => `${(bytes / 1e6).toFixed(3)} MB`;

// Run directly (`npm run build`): bundle everything into dist/ and print the sizes.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const results = await bundleFunctions();
  let over = 0;
  for (const { name, file, bytes, mapBytes } of results) {
    const flag = bytes > BUNDLE_SIZE_TARGET_BYTES ? '  OVER BUDGET' : '';
    if (flag) over += 1;
    console.log(
      `${name.padEnd(12)} ${formatMb(bytes).padStart(10)}  (map ${formatMb(mapBytes)})  ${file.replace(PROJECT_ROOT, '')}${flag}`,
    );
  }
  console.log(`${results.length} bundles, budget ${formatMb(BUNDLE_SIZE_TARGET_BYTES)} each`);
  if (over > 0) process.exitCode = 1;
}
