import { createServer } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../infra/local/environment.ts';
import type { LocalStack, LocalStackOptions } from '../../infra/local/stack.ts';

/** An SDK client for the local stack's bucket, as a developer would configure one. */
export const s3ClientFor = (stack: Pick<LocalStack, 's3Endpoint'>): S3Client =>
  new S3Client({
    endpoint: stack.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

export interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiInit {
  method?: string;
  /** Defaults to the stack's supreme token; null sends none. */
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls the local API over real HTTP and parses the JSON answer. */
export const apiOf =
  (stack: Pick<LocalStack, 'apiUrl' | 'supremeToken'>) =>
  async <T = unknown>(path: string, init: ApiInit = {}): Promise<Reply<T>> => {
    const token = init.token === undefined ? stack.supremeToken : init.token;
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  };

/** Polls until `check` holds (imports run asynchronously after an upload). */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  what: string,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!check(last)) {
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}; last seen ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read();
  }
  return last;
}

/** A local stack on free ports against this test file's database, with an S3 client and the API. */
export interface TestStack {
  stack: LocalStack;
  s3: S3Client;
  api: ReturnType<typeof apiOf>;
  stop(): Promise<void>;
}

export async function startTestStack(options: Partial<LocalStackOptions> = {}): Promise<TestStack> {
  const { startLocalStack } = await import('../../infra/local/stack.ts');
  const stack = await startLocalStack({
    port: 0,
    s3Port: 0,
    mongoUri: process.env.MONGODB_URI!,
    quiet: true,
    ...options,
  });
  const s3 = s3ClientFor(stack);
  return {
    stack,
    s3,
    api: apiOf(stack),
    stop: async () => {
      s3.destroy();
      await stack.stop();
    },
  };
}

/**
 * One local stack for this test file: started before its tests, stopped after them. The stack and
 * its S3 client are there once the tests run; `api` may be taken at once (it calls the stack lazily).
 */
export function useTestStack(options: Partial<LocalStackOptions> = {}): Pick<TestStack, 'api'> & {
  readonly stack: LocalStack;
  readonly s3: S3Client;
} {
  let running: TestStack | undefined;
  beforeAll(async () => {
    running = await startTestStack(options);
  });
  afterAll(() => running?.stop());
  const started = (): TestStack => {
    if (!running) throw new Error('The test stack starts in beforeAll: use it inside tests');
    return running;
  };
  return {
    api: (path, init) => started().api(path, init),
    get stack() {
      return started().stack;
    },
    get s3() {
      return started().s3;
    },
  };
}

/** A TCP port free right now on 127.0.0.1 (for a stack started in another process). */
export const freePort = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
