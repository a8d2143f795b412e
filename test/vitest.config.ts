import { defineConfig } from 'vitest/config';
import { baseTestOptions, root } from './vitest.base.ts';

export default defineConfig({
  root,
  test: {
    ...baseTestOptions,
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
