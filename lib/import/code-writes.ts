import type { Document } from 'mongodb';
import { type CodeType, codeId } from '../codes/model.ts';
import { getDb } from '../mongo/client.ts';
import { codesCollection } from '../mongo/collections.ts';
import { dbCall } from '../mongo/instrument.ts';

/**
 * The importer's two queries on `codes`, for one batch of distinct codes.
 *
 * A command is one BSON document (at most 16 MiB), so a batch's `$in` and its upserts are sent in
 * slices of at most MAX_COMMAND_BYTES, estimated pessimistically (3 UTF-8 bytes per character):
 * ~6 700 codes of 15 characters, ~1 100 of 256. Small slices also keep memory flat: every
 * command is serialized into, and answered with, buffers of its size, which the garbage collector
 * frees late. Measured with test/bench/import.bench.ts on 1 M codes: 8 MiB slices (one per batch)
 * peak at ~255 MiB RSS, 1 MiB slices at ~188 MiB, at the same speed.
 */
const MAX_COMMAND_BYTES = 1024 * 1024;
/** BSON framing of one id or update statement, beyond the characters of its strings (generous). */
const STATEMENT_OVERHEAD_BYTES = 96;

/**
 * Cuts a batch's codes into slices of at most `maxBytes` of command. The `_id` objects are built
 * per slice, when it is sent: a whole batch of them would live (and be promoted by the garbage
 * collector) for the length of its write.
 */
export function* slicesOf(
  campaignId: string,
  codes: readonly string[],
  maxBytes = MAX_COMMAND_BYTES,
): Generator<readonly string[]> {
  const fixed = 3 * campaignId.length + STATEMENT_OVERHEAD_BYTES;
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < codes.length; i++) {
    const size = fixed + 3 * codes[i]!.length;
    if (bytes + size > maxBytes && i > start) {
      yield codes.slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < codes.length) yield start === 0 ? codes : codes.slice(start);
}

/** How many of these codes of a campaign already have a document (the write-ahead figure of a batch). */
export async function countExisting(campaignId: string, codeList: readonly string[]): Promise<number> {
  const codes = await codesCollection();
  let existing = 0;
  for (const slice of slicesOf(campaignId, codeList)) {
    const ids = slice.map((code) => codeId(campaignId, code));
    existing += await dbCall('import.countExisting', () => codes.countDocuments({ _id: { $in: ids } }));
  }
  return existing;
}

export interface UpsertResult {
  inserted: number;
  /** Existing documents the batch re-saved. */
  matched: number;
}

/** A statement of the bulk upsert failed (a validation rule, an index constraint): the batch is retried whole. */
export class BulkUpsertError extends Error {
  override readonly name = 'BulkUpsertError';
}

/**
 * One unordered bulk upsert per batch (contract §5): each statement filters on the full `_id` (the
 * primary index) and sets only `type` and `date.saved`, so the reservation and assignment of an
 * existing code are never touched. Unordered: the server applies the statements without stopping
 * at a failed one; a failure fails the batch, which is replayed — harmless, the same upserts give
 * the same documents.
 *
 * This is the `update` command that `collection.bulkWrite` sends, issued directly: the driver's
 * per-operation bookkeeping (operation models, a result object with every upserted id) costs, on a
 * 50 000-code batch, about a fifth of the import's speed and ~90 MB of peak memory (measured with
 * test/bench/import.bench.ts), for nothing the importer uses.
 */
export async function upsertCodes(
  campaignId: string,
  codeList: readonly string[],
  type: CodeType,
  now: Date,
): Promise<UpsertResult> {
  const codes = await codesCollection();
  const db = await getDb();
  // One update document shared by every statement of the batch: less to allocate on the hot path.
  const u = { $set: { type, 'date.saved': now } };
  let inserted = 0;
  let matched = 0;
  for (const slice of slicesOf(campaignId, codeList)) {
    const updates = new Array<Document>(slice.length);
    for (let i = 0; i < slice.length; i++)
      updates[i] = { q: { _id: codeId(campaignId, slice[i]!) }, u, upsert: true };
    const reply = await dbCall('import.bulkUpsert', () =>
      db.command({ update: codes.collectionName, updates, ordered: false }),
    );
    const failed = (reply.writeErrors as { code?: number; errmsg?: string }[] | undefined)?.[0];
    if (failed) throw new BulkUpsertError(`Bulk upsert failed (code ${failed.code}): ${failed.errmsg}`);
    if (reply.writeConcernError)
      throw new BulkUpsertError(`Write concern error: ${reply.writeConcernError.errmsg}`);
    // `n` counts matched and upserted statements; `upserted` lists the new documents.
    const upserted = (reply.upserted as unknown[] | undefined)?.length ?? 0;
    inserted += upserted;
    matched += (reply.n as number) - upserted;
  }
  return { inserted, matched };
}
