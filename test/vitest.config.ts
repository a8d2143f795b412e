import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/test-env.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration files share one MongoDB server but each gets its own database (see test-env.ts).
    fileParallelism: true,
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'all', include: ['test/{unit,integration,infra,browser}/**/*.test.ts'] },
      },
      // The MongoDB conformance suite again, against the embedded server in its own process with
      // a data directory (every write journaled): durability must not change a single answer.
      {
        extends: true,
        test: { name: 'mongo-dbpath', include: ['test/integration/mongo/**/*.test.ts'] },
      },
    ],
  },
});
