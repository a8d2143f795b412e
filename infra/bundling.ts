import { createRequire } from 'node:module';
import { type BundlingOptions, LogLevel, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * Typed access to the project's esbuild configuration (esbuild.config.mjs, plain JavaScript so that
 * `npm run build` needs no TypeScript loader) and its translation into NodejsFunction bundling
 * options, so the deployed bundles are built with exactly the options `npm run build` and the
 * bundle-size benchmark use.
 */
export interface BundleResult {
  name: string;
  entry: string;
  file: string;
  bytes: number;
  mapBytes: number;
}

export interface EsbuildConfigModule {
  PROJECT_ROOT: string;
  FUNCTIONS_DIR: string;
  BUNDLE_SIZE_TARGET_BYTES: number;
  sharedBuildOptions: Readonly<BuildOptions>;
  functionEntries(functionsDir?: string): Promise<string[]>;
  bundleName(entry: string): string;
  bundleFunctions(options?: { outDir?: string; entries?: string[] }): Promise<BundleResult[]>;
}

// tsconfig has no allowJs, so a static import of the .mjs would have no types; a computed
// specifier makes TypeScript treat the module as unknown and the interface above types it.
const configUrl = new URL('../esbuild.config.mjs', import.meta.url).href;
export const esbuildConfig = (await import(configUrl)) as EsbuildConfigModule;

const SOURCE_MAP_MODES: Record<string, SourceMapMode> = {
  linked: SourceMapMode.DEFAULT, // esbuild's `--sourcemap` (linked) is NodejsFunction's DEFAULT
  external: SourceMapMode.EXTERNAL,
  inline: SourceMapMode.INLINE,
  both: SourceMapMode.BOTH,
};

const LOG_LEVELS: Record<string, LogLevel> = {
  verbose: LogLevel.VERBOSE,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warning: LogLevel.WARNING,
  error: LogLevel.ERROR,
  silent: LogLevel.SILENT,
};

export class BundlingConfigError extends Error {
  override readonly name = 'BundlingConfigError';
}

function unsupported(option: string, value: unknown): never {
  throw new BundlingConfigError(
    `esbuild.config.mjs: option ${option}=${JSON.stringify(value)} has no NodejsFunction equivalent; ` +
      'map it in infra/bundling.ts',
  );
}

/**
 * Translates esbuild build options into NodejsFunction bundling options. Every option must be
 * mapped: an unknown one throws, so a new setting in esbuild.config.mjs cannot silently be left
 * out of the deployed bundles.
 */
export function toNodejsBundling(options: Readonly<BuildOptions>): BundlingOptions {
  const result: { -readonly [K in keyof BundlingOptions]: BundlingOptions[K] } = {};
  const esbuildArgs: Record<string, string | boolean> = {};
  for (const [option, value] of Object.entries(options) as [keyof BuildOptions, unknown][]) {
    switch (option) {
      case 'bundle':
        if (value !== true) unsupported(option, value); // NodejsFunction always bundles
        break;
      case 'platform':
        if (value !== 'node') unsupported(option, value); // and always for node
        break;
      case 'format':
        if (value === 'esm') result.format = OutputFormat.ESM;
        else if (value === 'cjs') result.format = OutputFormat.CJS;
        else unsupported(option, value);
        break;
      case 'target':
        result.target = Array.isArray(value) ? value.join(',') : String(value);
        break;
      case 'minify':
        result.minify = Boolean(value);
        break;
      case 'sourcemap':
        if (value === false) result.sourceMap = false;
        else if (value === true) result.sourceMap = true;
        else if (typeof value === 'string' && value in SOURCE_MAP_MODES) {
          result.sourceMap = true;
          result.sourceMapMode = SOURCE_MAP_MODES[value];
        } else unsupported(option, value);
        break;
      case 'sourcesContent':
        result.sourcesContent = Boolean(value);
        break;
      case 'mainFields':
        result.mainFields = [...(value as string[])];
        break;
      case 'banner':
      case 'footer': {
        const { js, ...others } = value as Record<string, string>;
        if (Object.keys(others).length > 0) unsupported(option, value);
        if (js !== undefined) result[option] = js;
        break;
      }
      case 'external':
        result.externalModules = [...(value as string[])];
        break;
      case 'define':
        result.define = { ...(value as Record<string, string>) };
        break;
      case 'keepNames':
        result.keepNames = Boolean(value);
        break;
      case 'logLevel':
        result.logLevel = LOG_LEVELS[String(value)] ?? unsupported(option, value);
        break;
      case 'legalComments':
        esbuildArgs['--legal-comments'] = String(value);
        break;
      case 'charset':
        esbuildArgs['--charset'] = String(value);
        break;
      default:
        unsupported(option, value);
    }
  }
  if (Object.keys(esbuildArgs).length > 0) result.esbuildArgs = esbuildArgs;
  return result;
}

/**
 * The bundling options every function is built with. esbuild must be installed locally: with it,
 * NodejsFunction bundles in-process; without it, it would silently fall back to Docker, which this
 * project never uses — so its absence is an error here.
 */
export function functionBundling(): BundlingOptions {
  try {
    createRequire(import.meta.url).resolve('esbuild');
  } catch {
    throw new BundlingConfigError(
      'esbuild is not installed (npm ci): refusing to fall back to Docker bundling',
    );
  }
  return { ...toNodejsBundling(esbuildConfig.sharedBuildOptions), forceDockerBundling: false };
}
