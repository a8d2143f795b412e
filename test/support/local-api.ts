import type { LocalStack } from '../../infra/local/stack.ts';

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
