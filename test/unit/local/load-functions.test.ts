import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFunctions } from '../../../infra/local/runtime/load-functions.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'load-functions-'));
  await writeFile(join(root, 'good.mjs'), 'export const handler = async (event) => ({ echoed: event });\n');
  await writeFile(
    join(root, 'broken.mjs'),
    "throw new Error('Invalid authorizer configuration: JWKS_URI missing');\n",
  );
  await writeFile(join(root, 'no-handler.mjs'), 'export const main = async () => 1;\n');
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('loading the functions', () => {
  it('takes each entry’s handler export, with its timeout', async () => {
    const loaded = await loadFunctions({ good: { entry: 'good.mjs' } }, root, () => 1234);
    expect(loaded.good).toMatchObject({ name: 'good', timeoutMs: 1234 });
    expect(await loaded.good.handler({ a: 1 }, {} as never)).toEqual({ echoed: { a: 1 } });
  });

  it('fails loudly, naming the function, when an entry does not load', async () => {
    await expect(
      loadFunctions({ good: { entry: 'good.mjs' }, authorizer: { entry: 'broken.mjs' } }, root, () => 1000),
    ).rejects.toThrow(
      'Function authorizer (broken.mjs) failed to load: Invalid authorizer configuration: JWKS_URI missing',
    );
    await expect(loadFunctions({ missing: { entry: 'missing.mjs' } }, root, () => 1000)).rejects.toThrow(
      /^Function missing \(missing\.mjs\) failed to load: /,
    );
  });

  it('fails when an entry exports no handler', async () => {
    await expect(loadFunctions({ odd: { entry: 'no-handler.mjs' } }, root, () => 1000)).rejects.toThrow(
      'Function odd (no-handler.mjs) does not export a handler function',
    );
  });
});
