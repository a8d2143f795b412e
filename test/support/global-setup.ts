import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    /** A local EventBridge every test file publishes to unless it starts its own (test-env.ts). */
    eventBridgeEndpoint: string;
  }
}

/**
 * Starts one embedded MongoDB-compatible server per project unless MONGODB_URI points at a real
 * server, in which case every test runs against that server unchanged. The `mongo-dbpath`
 * project gets the server in a child process with a temporary data directory; the others an
 * in-memory one in this process.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The local stacks of several test files run the functions' bundles: build them once, here,
  // rather than in each file at once.
  const { buildFunctionBundles } = await import('../../infra/local/stack.ts');
  await buildFunctionBundles();
  // The importer publishes its outcome events (contract §6b): without a bus to take them, every
  // import test would try AWS. Files that check events start their own (test/support/events.ts).
  const { startLocalEventBridge } = await import('../../infra/local/events/server.ts');
  const bridge = await startLocalEventBridge({ busName: TEST_EVENT_BUS });
  project.provide('eventBridgeEndpoint', bridge.endpoint);
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide('mongoUri', external);
    return () => bridge.stop();
  }
  const { startEmbeddedMongo, startEmbeddedMongoProcess } = await import('../../infra/local/mongo/index.ts');
  if (project.name === 'mongo-dbpath') {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dbpath = await mkdtemp(join(tmpdir(), 'conformance-dbpath-'));
    const server = await startEmbeddedMongoProcess({ dbpath });
    project.provide('mongoUri', server.uri);
    return async () => {
      await bridge.stop();
      await server.stop();
      await rm(dbpath, { recursive: true, force: true });
    };
  }
  const server = await startEmbeddedMongo();
  project.provide('mongoUri', server.uri);
  return async () => {
    await bridge.stop();
    await server.stop();
  };
}

export const TEST_EVENT_BUS = 'code-service-test-events';
