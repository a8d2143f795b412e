/**
 * Server-side cursors for find/aggregate/list*: a lazy result iterator cut into batches for the
 * first reply and each getMore. Results are pulled (and BSON-encoded) only as batches are
 * requested, so an abandoned cursor costs nothing beyond what was already sent.
 */
import { Long, serialize } from 'bson';
import { type BatchField, encodeCursorReply } from './cursor-reply.ts';
import { CommandError, ErrorCodes } from './errors.ts';
import type { Document } from './values.ts';

/** mongod's default size of a first batch (in documents) when the client sets none. */
export const DEFAULT_FIRST_BATCH_SIZE = 101;
/** Cap on the documents of one batch, as mongod's 16 MB reply limit imposes. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** mongod's cursorTimeoutMillis default: idle cursors are reaped after 10 minutes. */
export const CURSOR_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

const SERIALIZE_OPTIONS = { ignoreUndefined: true } as const;

interface ServerCursor {
  readonly id: Long;
  readonly namespace: string;
  readonly source: Iterator<Document>;
  /** A result already pulled and encoded, carried to the next batch. */
  pending: Uint8Array | undefined;
  lastUsed: number;
}

export interface OpenOptions {
  batchSize?: number | undefined;
  singleBatch?: boolean | undefined;
}

export class CursorRegistry {
  readonly #cursors = new Map<string, ServerCursor>();
  // Random start so ids from different server instances rarely coincide.
  #nextId = 1 + Math.floor(Math.random() * 2 ** 40);

  get size(): number {
    return this.#cursors.size;
  }

  /** Runs the first batch; the cursor is kept only if results remain. Returns the encoded reply. */
  open(namespace: string, source: Iterator<Document>, options: OpenOptions = {}): Buffer {
    const cursor: ServerCursor = {
      id: Long.fromNumber(this.#nextId++),
      namespace,
      source,
      pending: undefined,
      lastUsed: Date.now(),
    };
    const batchSize = options.batchSize ?? DEFAULT_FIRST_BATCH_SIZE;
    // batchSize 0 asks for a cursor without running the query yet (first results come by getMore).
    const { docs, exhausted } =
      batchSize === 0 ? { docs: [], exhausted: false } : fillBatch(cursor, batchSize);
    if (exhausted || options.singleBatch) {
      closeSource(cursor);
      return encodeCursorReply('firstBatch', docs, Long.ZERO, namespace);
    }
    this.#cursors.set(cursor.id.toString(), cursor);
    return encodeCursorReply('firstBatch', docs, cursor.id, namespace);
  }

  getMore(id: Long, namespace: string, batchSize: number | undefined): Buffer {
    const key = id.toString();
    const cursor = this.#cursors.get(key);
    if (!cursor) throw new CommandError(ErrorCodes.CursorNotFound, `cursor id ${key} not found`);
    if (cursor.namespace !== namespace) {
      throw new CommandError(
        ErrorCodes.Unauthorized,
        `Requested getMore on namespace '${namespace}', but cursor belongs to a different namespace ${cursor.namespace}`,
      );
    }
    cursor.lastUsed = Date.now();
    let batch: { docs: Uint8Array[]; exhausted: boolean };
    try {
      batch = fillBatch(cursor, batchSize && batchSize > 0 ? batchSize : undefined);
    } catch (error) {
      this.#cursors.delete(key);
      throw error;
    }
    const field: BatchField = 'nextBatch';
    if (batch.exhausted) {
      this.#cursors.delete(key);
      closeSource(cursor);
      return encodeCursorReply(field, batch.docs, Long.ZERO, namespace);
    }
    return encodeCursorReply(field, batch.docs, cursor.id, namespace);
  }

  kill(ids: readonly unknown[]): { killed: Long[]; notFound: Long[] } {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const raw of ids) {
      const id = Long.isLong(raw) ? raw : Long.fromNumber(Number(raw));
      const cursor = this.#cursors.get(id.toString());
      if (cursor) {
        this.#cursors.delete(id.toString());
        closeSource(cursor);
        killed.push(id);
      } else {
        notFound.push(id);
      }
    }
    return { killed, notFound };
  }

  /** Cursors die with their collection or database, as in mongod. */
  killNamespace(predicate: (namespace: string) => boolean): void {
    for (const [key, cursor] of this.#cursors) {
      if (predicate(cursor.namespace)) {
        this.#cursors.delete(key);
        closeSource(cursor);
      }
    }
  }

  /** Reaps cursors idle for longer than the timeout; called periodically by the server. */
  sweep(now = Date.now()): void {
    for (const [key, cursor] of this.#cursors) {
      if (now - cursor.lastUsed > CURSOR_IDLE_TIMEOUT_MS) {
        this.#cursors.delete(key);
        closeSource(cursor);
      }
    }
  }

  clear(): void {
    for (const cursor of this.#cursors.values()) closeSource(cursor);
    this.#cursors.clear();
  }
}

/**
 * Pulls up to `maxDocs` results (undefined = as many as fit) within the byte cap, then peeks one
 * result ahead so a cursor whose results are all sent is closed now rather than by an extra,
 * empty getMore.
 */
function fillBatch(
  cursor: ServerCursor,
  maxDocs: number | undefined,
): { docs: Uint8Array[]; exhausted: boolean } {
  const docs: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    if (maxDocs !== undefined && docs.length >= maxDocs) break;
    const next = cursor.pending ?? pull(cursor);
    cursor.pending = undefined;
    if (next === undefined) return { docs, exhausted: true };
    if (docs.length > 0 && bytes + next.length > MAX_BATCH_BYTES) {
      cursor.pending = next;
      return { docs, exhausted: false };
    }
    docs.push(next);
    bytes += next.length;
  }
  cursor.pending = pull(cursor);
  return { docs, exhausted: cursor.pending === undefined };
}

function pull(cursor: ServerCursor): Uint8Array | undefined {
  const result = cursor.source.next();
  if (result.done) return undefined;
  return serialize(result.value, SERIALIZE_OPTIONS);
}

function closeSource(cursor: ServerCursor): void {
  cursor.source.return?.();
}
