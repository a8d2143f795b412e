import { afterAll, describe, expect, it } from 'vitest';
import { closeMongoClient } from '../../../lib/mongo/client.ts';
import type { ApiRequest } from '../../support/api-events.ts';
import { invoke } from '../../support/invoke.ts';
import { lambdaContext } from '../../support/lambda-context.ts';
import { s3Environment, startS3rver } from '../../support/s3rver.ts';
import { csvOf, objectCreatedEvent } from '../import/support.ts';

// Route 9 (contract §4): import records newest first, paged; an S3 drop is listed right after it.
const s3 = await startS3rver({ bucket: 'list-imports-test' });
Object.assign(process.env, s3Environment(s3));
// Loaded only now: the functions read their configuration (S3 endpoint) at load.
const { handler: importS3 } = await import('../../../functions/import-s3.ts');
const { handler: listImports } = await import('../../../functions/list-imports.ts');
const { claimImport, failImport } = await import('../../../lib/import/record-store.ts');

afterAll(async () => {
  await closeMongoClient();
  await s3.stop();
});

interface ImportItem {
  importId: string;
  campaignId: string;
  key: string;
  status: string;
  startedAt: string;
}
interface PageBody {
  items: ImportItem[];
  nextCursor: string | null;
}

const request = (campaignId: string, query: Record<string, string> = {}): ApiRequest => ({
  method: 'GET',
  route: '/v1/{campaignId}/imports',
  pathParameters: { campaignId },
  query,
});

async function walk(campaignId: string, query: Record<string, string>): Promise<ImportItem[]> {
  const items: ImportItem[] = [];
  let cursor: string | null = null;
  do {
    const reply: { status: number; body: PageBody } = await invoke<PageBody>(
      listImports,
      request(campaignId, { ...query, ...(cursor ? { cursor } : {}) }),
    );
    expect(reply.status).toBe(200);
    items.push(...reply.body.items);
    cursor = reply.body.nextCursor;
  } while (cursor !== null);
  return items;
}

/** Import records started at chosen times (several at the same instant, to test the tie-break). */
async function seedImport(campaignId: string, n: number, startedAt: Date, failed = false): Promise<string> {
  const key = `codes/${campaignId}/tm/file-${n}.csv`;
  const claim = await claimImport(
    `${String(n).padStart(4, '0')}${'a'.repeat(28)}`,
    { bucket: 'b', key, eTag: `e${n}` },
    { campaignId, type: 'tm', source: 'api', batchSize: 10 },
    60_000,
    startedAt,
  );
  if (failed) {
    await failImport(
      claim.doc,
      { reason: 'emptyFile', message: 'empty', retryable: false, at: startedAt },
      startedAt,
    );
  }
  return claim.doc._id;
}

describe('GET /v1/{campaignId}/imports', () => {
  it('lists every import once, newest first, page by page (ties on the start time included)', async () => {
    const campaignId = 'camp-imports-a';
    const base = Date.UTC(2024, 0, 1);
    const ids: string[] = [];
    for (let n = 0; n < 25; n++) {
      // Three imports per instant: the cursor must tell them apart. The instants are shuffled against
      // the ids (7 is prime to 25), so an older import may have a greater id than a newer one.
      const instant = Math.floor(((n * 7) % 25) / 3);
      ids.push(await seedImport(campaignId, n, new Date(base + instant * 1000), n % 4 === 0));
    }
    await seedImport('camp-imports-other', 99, new Date(base + 99_000));

    const items = await walk(campaignId, { limit: '4' });
    expect(items).toHaveLength(25);
    expect(new Set(items.map((item) => item.importId)).size).toBe(25);
    expect(items.every((item) => item.campaignId === campaignId)).toBe(true);
    const starts = items.map((item) => Date.parse(item.startedAt));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));

    const failed = await walk(campaignId, { status: 'failed', limit: '2' });
    expect(failed.map((item) => item.status)).toEqual(Array(7).fill('failed'));
    expect((await invoke<PageBody>(listImports, request(campaignId))).body.items).toHaveLength(20);
  });

  it('finds the import of an S3 drop right after the drop', async () => {
    const key = 'codes/camp-imports-drop/tm/drop.csv';
    await s3.put(key, csvOf(['D1', 'D2', 'D3']));
    await importS3(await objectCreatedEvent(s3, key), lambdaContext('importS3'));
    const reply = await invoke<PageBody>(listImports, request('camp-imports-drop'));
    expect(reply.body.items).toEqual([expect.objectContaining({ key, status: 'succeeded' })]);
    expect(reply.body.nextCursor).toBeNull();
  });

  it.each([
    [{ limit: '101' }, 'invalidLimit'],
    [{ limit: '0' }, 'invalidLimit'],
    [{ status: 'available' }, 'invalidStatus'],
    [{ cursor: 'not-a-cursor' }, 'invalidCursor'],
  ])('answers 400 for %o with %s', async (query, code) => {
    const reply = await invoke<{ code: string }>(listImports, request('camp-imports-a', query));
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe(code);
  });

  it('rejects a cursor of another campaign', async () => {
    const first = await invoke<PageBody>(listImports, request('camp-imports-a', { limit: '1' }));
    const reply = await invoke<{ code: string }>(
      listImports,
      request('camp-imports-drop', { cursor: first.body.nextCursor! }),
    );
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('invalidCursor');
  });
});
