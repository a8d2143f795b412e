import { handler as count } from '../../functions/count.ts';
import type { CodeDocument, CodeType } from '../../lib/codes/model.ts';
import { codesCollection } from '../../lib/mongo/collections.ts';
import { invoke } from './invoke.ts';

export const HOUR = 60 * 60 * 1000;

/** Inserts codes straight into the `codes` collection, shaped as production data. */
export async function seedCodes(
  campaignId: string,
  type: CodeType,
  codes: readonly string[],
  dates: Partial<CodeDocument['date']> & { reserveId?: string } = {},
): Promise<void> {
  const { reserveId, ...extraDates } = dates;
  const collection = await codesCollection();
  const saved = new Date();
  const docs: CodeDocument[] = codes.map((code) => ({
    _id: { campaign_id: campaignId, code },
    type,
    ...(reserveId ? { reserveId } : {}),
    date: { saved, ...extraDates },
  }));
  for (let i = 0; i < docs.length; i += 10_000) await collection.insertMany(docs.slice(i, i + 10_000));
}

export const codeList = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);

/** Every document of a campaign, sorted by code, for before/after comparisons. */
export async function snapshot(campaignId: string): Promise<CodeDocument[]> {
  const collection = await codesCollection();
  return collection.find({ '_id.campaign_id': campaignId }).sort({ '_id.code': 1 }).toArray();
}

/** A pool's counts through the real count handler (route 2). */
export const poolCounts = async (campaignId: string, type: CodeType = 'tm') =>
  (
    await invoke(count, {
      method: 'GET',
      route: '/v1/{campaignId}/codes/count',
      pathParameters: { campaignId },
      query: { type },
    })
  ).body;
