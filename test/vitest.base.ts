import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

/**
 * What every run of the suite shares: `npm test` (test/vitest.config.ts) and the mutation runs
 * (test/mutation/vitest.config.ts), which choose their own test files.
 */
export const root = fileURLToPath(new URL('..', import.meta.url));

export const baseTestOptions = {
  globalSetup: ['test/support/global-setup.ts'],
  setupFiles: ['test/support/test-env.ts'],
  pool: 'forks',
  testTimeout: 60_000,
  hookTimeout: 120_000,
  // Integration files share one MongoDB server but each gets its own database (see test-env.ts).
  fileParallelism: true,
} satisfies NonNullable<ViteUserConfig['test']>;
