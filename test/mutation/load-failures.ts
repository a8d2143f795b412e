import type { RunnerTestCase } from 'vitest';
import type { Reporter, Vitest } from 'vitest/node';

/**
 * A vitest reporter for the mutation runs only: a test file that fails to load (its import threw)
 * becomes one failed test, "the test file loads", carrying the load error.
 *
 * Stryker's vitest runner (9.6.1, and 10.0.0) builds a mutant's result from the tests vitest
 * collected, and a file whose import throws collects none — so a static mutant that stops a module
 * from loading (a zod schema or a middleware stack built at load, a `lazy()` factory emptied) is
 * scored "Survived" although every test of the file fails (stryker-js#6150). The runner reads the
 * results from vitest's state once the run has ended, after this reporter's `onTestRunEnd`.
 */
export class LoadFailuresAsFailedTests implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(): void {
    for (const file of this.#vitest?.state.getFiles() ?? []) {
      if (file.result?.state !== 'fail' || file.tasks.length > 0) continue;
      const loads = {
        type: 'test',
        id: `${file.id}_loads`,
        name: 'the test file loads',
        fullName: `${file.name} the test file loads`,
        mode: 'run',
        file,
        suite: file,
        meta: {},
        annotations: [],
        artifacts: [],
        timeout: 0,
        result: { state: 'fail', errors: file.result.errors ?? [], duration: 0 },
        // vitest's test context exists only while a test runs; nothing reads it after the run.
      } as unknown as RunnerTestCase;
      file.tasks.push(loads);
    }
  }
}
