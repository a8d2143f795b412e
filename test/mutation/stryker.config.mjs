// Mutation testing of the core (`npm run mutate`; not part of `npm test`: a full run takes ~35 minutes).
// Iterate on one file with `npm run mutate -- --mutate lib/codes/reserve.ts` (add `--incremental`
// to reuse the last results). `--testFiles` and `--ignoreStatic` are faster but report static
// mutants as survivors without running them (stryker-js#6144): not for figures.
// Survivors that no test can kill are silenced in place with a reason
// (`// Stryker disable next-line <mutator>: <why>`), never excluded wholesale here.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'test/mutation/vitest.config.ts', related: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'lib/codes/**/*.ts',
    'lib/http/**/*.ts',
    'lib/auth/**/*.ts',
    'lib/import/csv.ts',
    'lib/import/batches.ts',
    'lib/import/key.ts',
    'lib/import/model.ts',
    'lib/import/record-store.ts',
  ],
  // The machine is shared; each runner also hosts its own embedded MongoDB.
  concurrency: 2,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true, reportMutants: true },
  tempDirName: 'reports/.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 95, low: 90, break: null },
};
