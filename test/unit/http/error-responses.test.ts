import { createError } from '@middy/util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceError } from '../../../lib/errors.ts';
import { INTERNAL_ERROR_BODY } from '../../../lib/http/errors.ts';
import { httpHandler } from '../../../lib/http/middleware.ts';
import { json } from '../../../lib/http/response.ts';
import { logger, tracer } from '../../../lib/observability.ts';
import { apiEvent } from '../../support/api-events.ts';
import { invoke } from '../../support/invoke.ts';
import { lambdaContext } from '../../support/lambda-context.ts';

/**
 * The error mapping of lib/http/errors.ts through the real middleware stack, for the errors no
 * route throws today (issue 17: mutation testing found them unchecked): middy HTTP errors from
 * anything but the body parser, and 5xx ones.
 */
const throwing = (error: unknown) =>
  httpHandler(async () => {
    throw error;
  });

// These handlers serve no route of the API (they throw what no route throws): their replies are
// not held to the OpenAPI document.
const call = (handler: ReturnType<typeof throwing>) =>
  invoke(
    handler,
    { method: 'GET', route: '/v1/{campaignId}/codes/count', pathParameters: { campaignId: 'c' } },
    { documented: false },
  );

afterEach(() => vi.restoreAllMocks());

describe('HTTP error responses', () => {
  it('answers a middy 4xx error from elsewhere than the body parser with its status and message', async () => {
    const reply = await call(throwing(createError(413, 'Payload Too Large')));
    expect(reply.status).toBe(413);
    expect(reply.body).toEqual({ code: 'badRequest', message: 'Payload Too Large' });
    expect(reply.headers['content-type']).toBe('application/json');
  });

  it("does not take a message for the body parser's unless the body parser raised it", async () => {
    const reply = await call(
      throwing(createError(415, 'Unsupported Media Type', { cause: { package: '@middy/other' } })),
    );
    expect(reply).toMatchObject({
      status: 415,
      body: { code: 'badRequest', message: 'Unsupported Media Type' },
    });
    const parser = { package: '@middy/http-json-body-parser' };
    expect(
      await call(
        throwing(
          createError(422, 'Content type defined as JSON but an invalid JSON was provided', {
            cause: parser,
          }),
        ),
      ),
    ).toMatchObject({
      status: 400,
      body: { code: 'invalidJson', message: 'Request body is not valid JSON' },
    });
  });

  it('answers a middy 5xx error as a plain 500, never with its own status or message', async () => {
    for (const status of [500, 502, 503]) {
      const reply = await call(throwing(createError(status, 'upstream 10.0.0.7 refused the connection')));
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual(JSON.parse(INTERNAL_ERROR_BODY));
    }
  });

  it('answers any other error as a plain 500 and logs it as a failure', async () => {
    const error = vi.spyOn(logger, 'error');
    const info = vi.spyOn(logger, 'info');
    const reply = await call(throwing(new Error('secret connection string')));
    expect(reply).toMatchObject({
      status: 500,
      body: { code: 'internalError', message: 'Internal server error' },
    });
    expect(error).toHaveBeenCalledWith(
      'Request failed',
      expect.objectContaining({ error: expect.any(Error) }),
    );
    expect(info).not.toHaveBeenCalledWith('Request rejected', expect.anything());
  });

  it('maps ServiceError kinds to 400, 401 and 404 and logs them as rejections', async () => {
    const info = vi.spyOn(logger, 'info');
    const error = vi.spyOn(logger, 'error');
    const cases = [
      [new ServiceError('invalidType', 'bad type'), 400],
      [new ServiceError('supremeUserRequired', 'no', 'unauthorized'), 401],
      [new ServiceError('importNotFound', 'none', 'notFound'), 404],
    ] as const;
    for (const [thrown, status] of cases) {
      const reply = await call(throwing(thrown));
      expect(reply).toMatchObject({ status, body: { code: thrown.code, message: thrown.message } });
    }
    // One line per rejection, with its status, contract code and reason (issue 9).
    for (const [thrown, status] of cases) {
      expect(info).toHaveBeenCalledWith('Request rejected', {
        statusCode: status,
        code: thrown.code,
        reason: thrown.message,
      });
    }
    expect(error).not.toHaveBeenCalled();
  });

  it('passes a successful response through with the correlation id added', async () => {
    const ok = httpHandler(async () => json(201, { fine: true }, { 'x-extra': '1' }));
    const reply = await invoke(
      ok,
      { method: 'GET', route: '/x', headers: { 'x-correlation-id': 'abc-1' } },
      { documented: false },
    );
    expect(reply).toMatchObject({ status: 201, body: { fine: true } });
    expect(reply.headers).toMatchObject({
      'x-extra': '1',
      'x-correlation-id': 'abc-1',
      'content-type': 'application/json',
    });
  });
});

describe('correlation ids', () => {
  const ok = httpHandler(async () => json(200, {}));
  const echoed = async (id: string) =>
    (
      await invoke(
        ok,
        { method: 'GET', route: '/x', headers: { 'x-correlation-id': id } },
        { documented: false },
      )
    ).headers['x-correlation-id'];
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it('keeps a sane id of up to 128 characters', async () => {
    expect(await echoed('A.z_0:9-')).toBe('A.z_0:9-');
    expect(await echoed('x'.repeat(128))).toBe('x'.repeat(128));
  });

  it('replaces an id that could inject into logs or headers, or is too long, with a generated one', async () => {
    for (const bad of ['x'.repeat(129), 'a b', 'a\nb', 'a"b', `ok${'\u00e9'}`, ' a']) {
      expect(await echoed(bad)).toMatch(UUID);
    }
    const none = await invoke(ok, { method: 'GET', route: '/x' }, { documented: false });
    expect(none.headers['x-correlation-id']).toMatch(UUID);
  });

  it("gives an event without headers an id, and annotates each request's trace with its id", async () => {
    const annotate = vi.spyOn(tracer, 'putAnnotation');
    const event = { ...apiEvent({ method: 'GET', route: '/x' }), headers: undefined };
    const result = (await ok(event as never, lambdaContext())) as { headers: Record<string, string> };
    const id = result.headers['x-correlation-id'];
    expect(id).toMatch(UUID);
    expect(annotate).toHaveBeenCalledWith('correlationId', id);
  });
});
