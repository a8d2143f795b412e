import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    /** A local EventBridge every test file publishes to unless it starts its own (test-env.ts). */
    eventBridgeEndpoint: string;
  }
}

/**
 * Starts one embedded MongoDB-compatible server for the whole run unless MONGODB_URI points at a
 * real server, in which case every test runs against that server unchanged.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
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
  const { startEmbeddedMongo } = await import('../../infra/local/mongo/index.ts');
  const server = await startEmbeddedMongo();
  project.provide('mongoUri', server.uri);
  return async () => {
    await bridge.stop();
    await server.stop();
  };
}

export const TEST_EVENT_BUS = 'code-service-test-events';
