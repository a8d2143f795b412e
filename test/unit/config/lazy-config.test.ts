import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

// A fresh process: the test process has the variables set (test-env.ts) and modules cached.
const SCRIPT = `
const entries = ${JSON.stringify(readdirSync(`${root}functions`).filter((f) => f.endsWith('.ts')))};
for (const entry of entries) await import('./functions/' + entry);
const { getDb } = await import('./lib/mongo/client.ts');
const { jwtVerifier } = await import('./lib/auth/verifier.ts');
const failures = [];
await getDb().catch((error) => failures.push(error.name + ': ' + error.message));
try { jwtVerifier(); } catch (error) { failures.push(error.name + ': ' + error.message); }
console.log(JSON.stringify({ loaded: entries.length, failures }));
`;

describe('configuration is read on first use, not at import', () => {
  it('every function module imports without its environment; the first use names the missing variable', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'SILENT' };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      cwd: root,
      env,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { loaded: number; failures: string[] };
    expect(result.loaded).toBeGreaterThanOrEqual(9);
    expect(result.failures).toHaveLength(2);
    expect(result.failures[0]).toMatch(/^ConfigError: Invalid MongoDB configuration: MONGODB_URI/);
    expect(result.failures[1]).toMatch(/^ConfigError: Invalid authorizer configuration: .*JWT_ISSUER/);
  });
});
