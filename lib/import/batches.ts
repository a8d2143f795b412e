import type { RejectedRow } from './model.ts';

/**
 * A batch: the rows between two commits. Its accepted codes are collapsed before writing (a repeat
 * inside the batch is written once and counted as a duplicate); the rows it rejected or skipped
 * are counted with it, so committing it moves the import's position and counts together.
 */
export interface Batch {
  /** 1-based, as `progress.batches` counts them. */
  index: number;
  /** The records before this batch (the import's committed position when it was started). */
  fromRow: number;
  /** The records up to and including this batch's last one; set when it is closed. */
  toRow: number;
  toLine: number;
  /** Bytes of the file through this batch's last record; set when it is closed. */
  toByte: number;
  accepted: number;
  /** The accepted codes, in file order (`accepted` of them), repeats included until collapsed. */
  codes: string[];
  rejected: number;
  skipped: number;
  /** Rejects to add to the import's sample (only while it holds fewer than 100). */
  rejects: RejectedRow[];
}

/**
 * `capacity` is the batch size: the array is allocated once at its final size. Grown one code at a
 * time (or collected in a Set), it would leave a trail of discarded backing stores per batch that
 * the garbage collector frees late, and the importer's memory would depend on its timing.
 */
export const newBatch = (index: number, fromRow: number, capacity: number): Batch => ({
  index,
  fromRow,
  toRow: fromRow,
  toLine: 0,
  toByte: 0,
  accepted: 0,
  // Stryker disable next-line ArrayDeclaration: preallocation is for memory (see above), not behaviour
  codes: new Array<string>(capacity),
  rejected: 0,
  skipped: 0,
  rejects: [],
});

/**
 * Collapses repeats: sorts the batch's codes in place and keeps one of each. Returns the distinct
 * codes (the same array, shortened), in `_id` order — which also suits the index they are written to.
 */
export function distinctCodes(batch: Batch): string[] {
  const codes = batch.codes;
  codes.length = batch.accepted;
  codes.sort();
  let distinct = 0;
  for (let i = 0; i < codes.length; i++) {
    // Stryker disable next-line ConditionalExpression: at i = 0, codes[-1] is undefined and differs from any code anyway
    if (i === 0 || codes[i] !== codes[distinct - 1]) codes[distinct++] = codes[i]!;
  }
  codes.length = distinct;
  return codes;
}

/**
 * Runs batch writes one after another in submission order (so commits move the position forward
 * in order), while the caller keeps parsing. `waitForRoom` is the backpressure: the parser stops
 * pulling from S3 while `limit` batches are queued or being written, so memory stays flat
 * whatever the file's size. After the first failure no further batch starts.
 */
export class BatchQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly write: (batch: Batch) => Promise<void>,
    private readonly limit: number,
  ) {}

  submit(batch: Batch): void {
    this.pending++;
    this.tail = this.tail
      .then(() => (this.failure ? undefined : this.write(batch)))
      .catch((error: unknown) => {
        // Stryker disable next-line AssignmentOperator: writes run one at a time and none starts after a failure, so there is never a second one to overwrite the first
        this.failure ??= { error };
      })
      .finally(() => {
        this.pending--;
        this.wake?.();
      });
  }

  /** Resolves once fewer than `limit` batches are pending; throws the first write failure. */
  async waitForRoom(): Promise<void> {
    while (this.pending >= this.limit && !this.failure) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    this.throwIfFailed();
  }

  /** Waits for every submitted batch; throws the first write failure. */
  async drain(): Promise<void> {
    await this.tail;
    this.throwIfFailed();
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
