import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetLocalState } from '../../../infra/local/reset.ts';

let dir: string | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm start -- --reset', () => {
  it('says what it removes, then empties the state directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'reset-'));
    for (const sub of ['mongo', 's3', 'auth']) {
      await mkdir(join(dir, sub));
      await writeFile(join(dir, sub, 'file'), 'x');
    }
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
    await resetLocalState(dir);
    expect(await readdir(dir)).toEqual([]);
    expect(lines[0]).toBe(`--reset: removing everything under ${dir}:`);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/auth {2}the token signing key/),
      expect.stringMatching(/mongo {2}the embedded MongoDB data/),
      expect.stringMatching(/s3 {2}the local S3 objects/),
    ]);
  });

  it('is fine with a state directory that does not exist yet', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
    await resetLocalState(join(tmpdir(), 'never-created-state-dir'));
    expect(lines).toEqual([expect.stringMatching(/is already empty/)]);
  });
});
