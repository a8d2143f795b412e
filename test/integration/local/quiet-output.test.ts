import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A green run says so and nothing else alarming, and a pipe (CI) gets no colour codes: a small
// sub-run of the suite through the same npm script `npm test` uses, with CI=true and its output piped.
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('test output', () => {
  it('is plain and quiet when not on a terminal', async () => {
    const { NO_COLOR: _inherited, ...env } = process.env;
    const child = spawn('npm', ['run', '--silent', 'test:vitest', '--', 'test/unit/import/model.test.ts'], {
      cwd: root,
      env: { ...env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code, output).toBe(0);
    expect(output).toMatch(/Tests\s+\d+ passed/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for the escape character itself.
    expect(output).not.toMatch(/\x1b\[/);
    expect(output).not.toMatch(/warn|error|stderr|\(node:\d+\)/i);
  });
});
