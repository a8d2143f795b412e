import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

/**
 * Starts one embedded MongoDB-compatible server for the whole run unless MONGODB_URI points at a
 * real server, in which case every test runs against that server unchanged.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The local stacks of several test files run the functions' bundles: build them once, here,
  // rather than in each file at once.
  const { buildFunctionBundles } = await import('../../infra/local/stack.ts');
  await buildFunctionBundles();
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide('mongoUri', external);
    return async () => {};
  }
  const { startEmbeddedMongo } = await import('../../infra/local/mongo/index.ts');
  const server = await startEmbeddedMongo();
  project.provide('mongoUri', server.uri);
  return () => server.stop();
}
