import { describe, expect, it } from 'vitest';
import { fromFunctionResult } from '../../../infra/local/gateway/response.ts';

const text = (result: unknown) => {
  const { response, problem } = fromFunctionResult(result);
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    body: response.body.toString(),
    problem,
  };
};

describe('function result → HTTP response (payload 2.0 rules)', () => {
  it('uses a structured result as given, lower-casing header names', () => {
    expect(
      text({ statusCode: 201, headers: { 'Content-Type': 'text/plain', 'X-Count': 3 }, body: 'made' }),
    ).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'text/plain', 'x-count': '3' },
      body: 'made',
      problem: undefined,
    });
  });

  it('turns cookies into set-cookie headers and decodes base64 bodies', () => {
    const { response } = fromFunctionResult({
      statusCode: 200,
      cookies: ['a=1; Path=/', 'b=2'],
      body: 'AP8B',
      isBase64Encoded: true,
    });
    expect(response.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
    expect([...response.body]).toEqual([0, 255, 1]);
  });

  it('infers 200 + application/json + the JSON for anything without a statusCode', () => {
    expect(text({ status: 'ok' })).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"status":"ok"}',
      problem: undefined,
    });
    expect(text(['A', 'B']).body).toBe('["A","B"]');
    expect(text('hello').body).toBe('"hello"');
    expect(text(undefined).body).toBe('null');
  });

  it('answers 500 for a malformed structured result, and says why', () => {
    expect(text({ statusCode: '200', body: 'x' })).toMatchObject({
      statusCode: 500,
      body: '{"message":"Internal Server Error"}',
      problem: expect.stringContaining('statusCode'),
    });
    expect(text({ statusCode: 200, body: { not: 'a string' } })).toMatchObject({
      statusCode: 500,
      problem: 'body must be a string, got object',
    });
  });
});
