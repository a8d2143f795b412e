import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `npm start` itself: the same command (tsx infra/local/start.ts) in a child process, on free ports,
// against this file's MongoDB database, with its state in a temporary folder.
const root = fileURLToPath(new URL('../../../', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let child: ChildProcess | undefined;
let stateDir: string | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints the banner, serves the API, and stops cleanly on Ctrl-C', async () => {
    const [port, s3Port] = [await freePort(), await freePort()];
    stateDir = await mkdtemp(join(tmpdir(), 'npm-start-'));
    child = spawn(join(root, 'node_modules/.bin/tsx'), ['infra/local/start.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), S3_PORT: String(s3Port), LOCAL_STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    await new Promise<void>((resolve, reject) => {
      const check = () => output.includes('Ctrl-C stops everything.') && resolve();
      child!.stdout!.on('data', check);
      exited.then((code) => reject(new Error(`npm start exited early (${code}):\n${output}`)));
    });

    expect(output).toContain(`API       http://127.0.0.1:${port}`);
    expect(output).toContain(`S3        http://127.0.0.1:${s3Port}   bucket code-service-local`);
    const token = /export TOKEN=(\S+)/.exec(output)?.[1];
    expect(token?.split('.')).toHaveLength(3);

    const heartbeat = await fetch(`http://127.0.0.1:${port}/heartbeat`);
    expect(heartbeat.status).toBe(200);
    const count = await fetch(`http://127.0.0.1:${port}/v1/any/codes/count?type=tm`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(count.status).toBe(200);
    expect(await count.json()).toEqual({ available: 0, reserved: 0, assigned: 0 });

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('Stopped.');
  });
});
