import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { GatewayResponse } from '../gateway/response.ts';
import { gatewayError } from '../gateway/response.ts';
import type { LocalEndpoint } from '../gateway/server.ts';

/**
 * The local console (issue 15): a page the gateway serves at `/`, never deployed. Its script and
 * styles (uPlot included) are bundled by the project's esbuild on the first request and kept in
 * memory for the stack's life, so nothing is built into the repository and stacks that never open
 * the page (most tests) never pay for the build. The page loads nothing from outside this gateway:
 * the Content-Security-Policy says so to the browser too.
 */
export const CONSOLE_PATH = '/';
export const CONSOLE_SCRIPT_PATH = '/console/console.js';
export const CONSOLE_STYLES_PATH = '/console/console.css';

const APP_DIR = fileURLToPath(new URL('./app/', import.meta.url));

/** Only this origin: no CDN, no font service, no analytics (the page works offline). */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  // uPlot sizes its canvas and legend through inline style attributes.
  "style-src 'self' 'unsafe-inline'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

interface Assets {
  html: Buffer;
  script: Buffer;
  styles: Buffer;
}

async function buildAssets(): Promise<Assets> {
  const result = await build({
    entryPoints: { console: `${APP_DIR}main.ts` },
    bundle: true,
    write: false,
    outdir: 'console',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const output = (extension: string): Buffer => {
    const file = result.outputFiles.find((candidate) => candidate.path.endsWith(extension));
    if (!file) throw new Error(`The console build produced no ${extension} file`);
    return Buffer.from(file.contents);
  };
  return {
    html: await readFile(`${APP_DIR}index.html`),
    script: output('.js'),
    styles: output('.css'),
  };
}

const asset = (contentType: string, body: Buffer): GatewayResponse => ({
  statusCode: 200,
  headers: {
    'content-type': contentType,
    'cache-control': 'no-store',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
  },
  body,
});

/** The page and its two assets, as endpoints of the local gateway. */
export function consoleEndpoints(log: (line: string) => void): LocalEndpoint[] {
  let assets: Promise<Assets> | undefined;
  const serve = (pick: (built: Assets) => GatewayResponse) => async (): Promise<GatewayResponse> => {
    assets ??= buildAssets();
    try {
      return pick(await assets);
    } catch (error) {
      // Not kept: the next request builds again (e.g. once the source is fixed).
      assets = undefined;
      log(`console build failed: ${(error as Error).message}`);
      return gatewayError(500, `The console could not be built: ${(error as Error).message}`);
    }
  };
  return [
    { method: 'GET', path: CONSOLE_PATH, handle: serve((a) => asset('text/html; charset=utf-8', a.html)) },
    {
      method: 'GET',
      path: CONSOLE_SCRIPT_PATH,
      handle: serve((a) => asset('text/javascript; charset=utf-8', a.script)),
    },
    {
      method: 'GET',
      path: CONSOLE_STYLES_PATH,
      handle: serve((a) => asset('text/css; charset=utf-8', a.styles)),
    },
  ];
}
