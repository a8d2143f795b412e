/**
 * The console's only ways to the service: the public API with a token from the local token
 * endpoint, and the local `/dev` endpoints. Same origin (the local gateway serves the page).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON: keep the text
    }
    throw new HttpError(response.status, `${what}: ${response.status} ${message}`);
  }
  return JSON.parse(text) as T;
}

/** A local endpoint (no token). */
export async function devGet<T>(path: string): Promise<T> {
  return readJson<T>(await fetch(path, { cache: 'no-store' }), `GET ${path}`);
}

let token: Promise<string> | undefined;

/** A supreme token minted by the local gateway (`POST /dev/token`), kept until the API refuses it. */
function currentToken(): Promise<string> {
  token ??= fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: 'local-console', isSupreme: true }),
  })
    .then((response) => readJson<{ token: string }>(response, 'POST /dev/token'))
    .then((body) => body.token)
    .catch((error: unknown) => {
      token = undefined;
      throw error;
    });
  return token;
}

/** A public API call; a 401 (expired token) gets a new token and one more try. */
export async function api<T>(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<T> {
  const send = async () =>
    fetch(path, {
      method,
      cache: 'no-store',
      headers: {
        authorization: `Bearer ${await currentToken()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  let response = await send();
  if (response.status === 401) {
    token = undefined;
    response = await send();
  }
  return readJson<T>(response, `${method} ${path}`);
}

/** A path segment (campaign ids are URL-safe by contract, but a path is built safely anyway). */
export const segment = (value: string): string => encodeURIComponent(value);
