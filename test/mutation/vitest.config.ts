import { configDefaults, defineConfig } from 'vitest/config';
import { baseTestOptions, root } from '../vitest.base.ts';
import { LoadFailuresAsFailedTests } from './load-failures.ts';

/**
 * The tests Stryker runs (`npm run mutate`): the suite less the files that run the service
 * somewhere else — the local stack's functions in worker threads and child processes
 * (integration/local, browser), esbuild bundles and CDK synthesis (infra). Stryker switches a
 * mutant on, and follows per-test coverage, inside the test's own process; those files are also
 * the slowest, and every static mutant (a module-level value) would rerun them all. Leaving tests
 * out can only lower the score, never flatter it.
 */
export default defineConfig({
  root,
  test: {
    ...baseTestOptions,
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/integration/local/**'],
    reporters: ['default', new LoadFailuresAsFailedTests()],
  },
});
