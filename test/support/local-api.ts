import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { s3rverClient } from './s3rver.ts';

/** An answer of the local gateway, its JSON body parsed. */
export interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiInit {
  method?: string;
  /** The bearer token; the stack's supreme token when omitted, none with `null`. */
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls the local stack over real HTTP, as a client system would. */
export function localApi(stack: () => LocalStack) {
  return async <T = unknown>(path: string, init: ApiInit = {}): Promise<Reply<T>> => {
    const token = init.token === undefined ? stack().supremeToken : init.token;
    const response = await fetch(`${stack().apiUrl}${path}`, {
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
}

/** Polls until `check` holds: imports (and jobs) run after the request that started them has answered. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 45_000;
  let last: T = await read();
  while (!check(last)) {
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}; last seen ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read();
  }
  return last;
}

export interface TestStack {
  stack: () => LocalStack;
  /** A client of the stack's local S3. */
  s3: () => S3Client;
}

/**
 * The whole local stack on free ports for this test file (started before its tests, stopped after),
 * sharing the file's MongoDB database (test-env.ts): the embedded server or a real one alike.
 */
export function useLocalStack(): TestStack {
  let stack: LocalStack | undefined;
  let s3: S3Client | undefined;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, s3Port: 0, mongoUri: process.env.MONGODB_URI!, quiet: true });
    s3 = s3rverClient(stack.s3Endpoint);
  });
  afterAll(async () => {
    s3?.destroy();
    await stack?.stop();
  });
  return { stack: () => stack!, s3: () => s3! };
}
