import { HeadObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startLambdaInvokeServer } from '../../../infra/local/lambda/invoke-server.ts';
import { importsCollection } from '../../../lib/import/record-store.ts';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import { type ApiRequest, apiEvent } from '../../support/api-events.ts';
import { snapshot } from '../../support/codes.ts';
import { invoke } from '../../support/invoke.ts';
import { lambdaContext } from '../../support/lambda-context.ts';
import { s3Environment, startS3rver } from '../../support/s3rver.ts';
import { csvOf, objectCreatedEvent } from './support.ts';

// Route 1 and route 6 through the real handlers: the upload function hands the import to the real
// importer function with an asynchronous Lambda Invoke, served locally by the invoke endpoint.
const s3 = await startS3rver({ bucket: 'upload-test' });
Object.assign(process.env, s3Environment(s3), { IMPORT_FUNCTION_NAME: 'importS3' });
const { handler: importer } = await import('../../../functions/import-s3.ts');
const invocationErrors: unknown[] = [];
const lambda = await startLambdaInvokeServer({
  functions: { importS3: importer },
  onError: (_, error) => invocationErrors.push(error),
});
process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint;
const { handler: upload } = await import('../../../functions/upload.ts');
const { handler: getImport } = await import('../../../functions/get-import.ts');
const { logger } = await import('../../../lib/observability.ts');
const { s3Client } = await import('../../../lib/s3.ts');
afterEach(() => vi.restoreAllMocks());

afterAll(async () => {
  await lambda.idle();
  await lambda.stop();
  await closeMongoClient();
  await s3.stop();
});

interface ImportBody {
  importId: string;
  campaignId: string;
  key: string;
  source: string;
  status: string;
  count: Record<string, number>;
  attempts: number;
  error?: { reason: string; retryable: boolean };
  code?: string;
}

const uploadRequest = (campaignId: string, body: unknown, extra: Partial<ApiRequest> = {}): ApiRequest => ({
  method: 'POST',
  route: '/v1/{campaignId}/codes',
  pathParameters: { campaignId },
  body,
  ...extra,
});
const post = (campaignId: string, body: unknown, extra: Partial<ApiRequest> = {}) =>
  invoke<ImportBody>(upload, uploadRequest(campaignId, body, extra));
const get = (campaignId: string, importId: string, extra: Partial<ApiRequest> = {}) =>
  invoke<ImportBody>(getImport, {
    method: 'GET',
    route: '/v1/{campaignId}/imports/{importId}',
    pathParameters: { campaignId, importId },
    ...extra,
  });

describe('POST /v1/{campaignId}/codes', () => {
  it('checks the supreme claim before anything else', async () => {
    const reply = await post('camp', { fileKey: 'nonsense' }, { auth: { sub: 'someone', isSupreme: false } });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({
      code: 'supremeUserRequired',
      message: 'This operation requires a supreme user',
    });
  });

  const LAYOUT = 'fileKey must look like codes/<campaignId>/<type>/<name>';
  it.each([
    ['a missing fileKey', {}, 'invalidFileKey', 'fileKey is required'],
    ['a fileKey that is not a string', { fileKey: 42 }, 'invalidFileKey', `${LAYOUT} (a string)`],
    [
      'a key outside codes/<campaignId>/<type>/<name>',
      { fileKey: 'codes/camp/tm' },
      'invalidFileKey',
      LAYOUT,
    ],
    ['a .. segment', { fileKey: 'codes/../tm/f.csv' }, 'invalidFileKey', LAYOUT],
    ['another campaign in the key', { fileKey: 'codes/other/tm/f.csv' }, 'invalidFileKey', undefined],
    [
      'an unknown type folder',
      { fileKey: 'codes/camp/vip/f.csv' },
      'invalidType',
      'the type folder must be one of: tm, external',
    ],
    [
      'a key over 1 024 UTF-8 bytes',
      { fileKey: `codes/camp/tm/${'é'.repeat(510)}.csv` },
      'invalidFileKey',
      'fileKey is longer than 1024 bytes (UTF-8)',
    ],
    [
      'a NUL in the key',
      { fileKey: 'codes/camp/tm/a\u0000.csv' },
      'invalidFileKey',
      'fileKey holds a control character',
    ],
    [
      'a lone surrogate in the key',
      { fileKey: 'codes/camp/tm/a\ud800.csv' },
      'invalidFileKey',
      'fileKey is not valid Unicode text',
    ],
  ])('answers 400 for %s, saying why', async (_, body, code, message) => {
    const reply = await post('camp', body);
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe(code);
    if (message !== undefined) expect(reply.body).toMatchObject({ message });
  });

  it('rejects a malformed JSON body with a 4xx', async () => {
    const reply = await post('camp', undefined, { rawBody: '{"fileKey": ' });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('invalidJson');
  });

  it('answers 404 fileNotFound for an object that does not exist', async () => {
    const reply = await post('camp', { fileKey: 'codes/camp/tm/missing.csv' });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ code: 'fileNotFound', message: 'codes/camp/tm/missing.csv does not exist' });
  });

  it.each([400, 403, 405])(
    'answers 400 invalidFileKey when S3 answers the existence check with %i',
    async (status) => {
      // S3 refusing a key our validation let through (or a broken grant): a real local S3 does not
      // answer HeadObject with these, so this one failure is simulated at the SDK.
      const refusal = new S3ServiceException({
        name: 'Refused',
        $fault: 'client',
        $metadata: { httpStatusCode: status },
        message: 'refused',
      });
      vi.spyOn(await s3Client(), 'send').mockRejectedValueOnce(refusal as never);
      const warn = vi.spyOn(logger, 'warn');
      const reply = await post('camp', { fileKey: 'codes/camp/tm/refused.csv' });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({
        code: 'invalidFileKey',
        message: `S3 refused the key codes/camp/tm/refused.csv (${status} Refused)`,
      });
      expect(warn).toHaveBeenCalledWith(
        'S3 refused the existence check of a file key',
        expect.objectContaining({ status, key: 'codes/camp/tm/refused.csv' }),
      );
    },
  );

  it('left no codes and no import record behind for the rejected requests above', async () => {
    expect(await snapshot('camp')).toEqual([]);
    const imports = await (await importsCollection()).countDocuments({ campaignId: 'camp' });
    expect(imports).toBe(0);
  });

  it('imports through the importer function and answers 200 with the counts', async () => {
    const fileKey = 'codes/api-1/external/first batch (v2) é.csv';
    await s3.put(fileKey, csvOf(['E1', 'E2', 'E3', 'E2']));
    const reply = await post('api-1', { fileKey }, { headers: { 'x-correlation-id': 'upload-corr-1' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      // Handed to the importer in the Invoke payload, kept in the import record.
      correlationId: 'upload-corr-1',
      campaignId: 'api-1',
      key: fileKey,
      source: 'api',
      status: 'succeeded',
      count: { in: 4, inserted: 3, updated: 0, duplicates: 1, rejected: 0, skipped: 0 },
      attempts: 1,
    });
    expect(reply.body.importId).toMatch(/^[0-9a-f]{32}$/);
    expect((await snapshot('api-1')).map((doc) => [doc._id.code, doc.type])).toEqual([
      ['E1', 'external'],
      ['E2', 'external'],
      ['E3', 'external'],
    ]);

    const again = await post('api-1', { fileKey });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(reply.body); // the same object version: nothing is imported twice

    const record = await get('api-1', reply.body.importId);
    expect(record.status).toBe(200);
    expect(record.body).toEqual(reply.body);
    expect(invocationErrors).toEqual([]);
  });

  it('finds the import the S3 trigger already ran for the same object', async () => {
    const fileKey = 'codes/api-2/tm/dropped.csv';
    await s3.put(fileKey, csvOf(['S1', 'S2']));
    const triggered = await importer(await objectCreatedEvent(s3, fileKey), lambdaContext('importS3'));
    const reply = await post('api-2', { fileKey });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      importId: triggered.imports[0]!.importId,
      source: 's3',
      status: 'succeeded',
    });
  });

  it('answers 200 with status failed when the file cannot be imported', async () => {
    const fileKey = 'codes/api-3/tm/empty.csv';
    await s3.put(fileKey, '');
    const errors = vi.spyOn(logger, 'error');
    const reply = await post('api-3', { fileKey });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      status: 'failed',
      error: { reason: 'emptyFile', message: 'The file is empty', retryable: false },
    });
    // A permanent failure is an ERROR (the errors-by-operation query and the alarm see it).
    expect(errors).toHaveBeenCalledWith(
      'Import failed',
      expect.objectContaining({
        importId: reply.body.importId,
        error: expect.objectContaining({ reason: 'emptyFile' }),
      }),
    );
  });

  it('answers 202 with importId and Location when the import outlasts the wait', async () => {
    const fileKey = 'codes/api-4/tm/slow.csv';
    await s3.put(fileKey, csvOf(Array.from({ length: 2000 }, (_, i) => `W${i}`)));
    // A function with barely any time left waits for nothing: 202 right after the hand-off.
    const result = await upload(
      apiEvent(uploadRequest('api-4', { fileKey })) as never,
      lambdaContext('upload', 1000),
    );
    expect(result.statusCode).toBe(202);
    const body = JSON.parse(result.body as string) as { importId: string; status: string };
    expect(body).toEqual({ importId: expect.stringMatching(/^[0-9a-f]{32}$/), status: 'running' });
    expect(result.headers.location).toBe(`/v1/api-4/imports/${body.importId}`);

    await lambda.idle();
    const record = await get('api-4', body.importId);
    expect(record.body).toMatchObject({ status: 'succeeded', count: { in: 2000, inserted: 2000 } });
  });
});

describe('the importer, handed an import by the upload route', () => {
  it('logs under the correlation id of the upload request', async () => {
    const fileKey = 'codes/api-5/tm/correlated.csv';
    await s3.put(fileKey, csvOf(['K1']));
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: fileKey }));
    const seen: unknown[] = [];
    vi.spyOn(logger, 'info').mockImplementation(() => {
      seen.push(logger.getCorrelationId());
    });
    const result = await importer(
      {
        kind: 'codeImport',
        bucket: s3.bucket,
        key: fileKey,
        eTag: head.ETag!.replaceAll('"', ''),
        source: 'api',
        correlationId: 'upload-corr-5',
      },
      lambdaContext('importS3'),
    );
    expect(result.imports[0]).toMatchObject({ status: 'succeeded' });
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['upload-corr-5']));
    const record = await get('api-5', result.imports[0]!.importId);
    expect(record.body).toMatchObject({ correlationId: 'upload-corr-5', source: 'api' });
  });
});

describe('GET /v1/{campaignId}/imports/{importId}', () => {
  it('checks the supreme claim first, and knows only the campaign own imports', async () => {
    const fileKey = 'codes/api-5/tm/f.csv';
    await s3.put(fileKey, 'G1\n');
    const { body } = await post('api-5', { fileKey });
    expect((await get('api-5', body.importId, { auth: { isSupreme: false } })).status).toBe(401);
    for (const [campaignId, importId] of [
      ['other-campaign', body.importId],
      ['api-5', '0123456789abcdef0123456789abcdef'],
      ['api-5', 'not-an-id'],
    ] as const) {
      const reply = await get(campaignId, importId);
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ code: 'importNotFound', message: 'No such import in this campaign' });
    }
  });

  it('shows a failure with the line where reading stopped, and without its internals', async () => {
    const fileKey = 'codes/api-6/tm/unclosed.csv';
    await s3.put(fileKey, 'G1\nG2\n"G3\nG4\n');
    const { body } = await post('api-6', { fileKey });
    const reply = await get('api-6', body.importId);
    expect(reply.status).toBe(200);
    expect(reply.body.error).toEqual({
      reason: 'malformedCsv',
      message: expect.stringContaining('line 3'),
      retryable: false,
      line: 3,
    });
    for (const internal of ['_id', 'attemptId', 'batchSize', 'pending'])
      expect(reply.body).not.toHaveProperty(internal);
  });
});
