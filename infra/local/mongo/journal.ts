/**
 * The on-disk record format shared by the journal and the snapshot: a stream of records, each
 * `[CRC-32C of the body: uint32 LE][body: one BSON document]` (a BSON document starts with its
 * own length, so no other framing is needed). Appending never rewrites earlier bytes, so a crash
 * can only leave a torn record at the very end; the checksum also catches a corrupted one.
 *
 * Reading stops at the first record that is incomplete, fails its checksum or is not valid BSON,
 * and reports where the good records end so the caller can cut the rest off (with a warning).
 */
import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { deserialize, serialize } from 'bson';
import { crc32c } from './crc32c.ts';
import type { Document } from './values.ts';

/** Same as the wire protocol: int64 values stay Long, so a value reads back exactly as stored. */
const DESERIALIZE_OPTIONS = { promoteLongs: false } as const;
const SERIALIZE_OPTIONS = { ignoreUndefined: true } as const;
const HEADER_BYTES = 4;
/** A record is one change (or a snapshot's document): far below this unless the file is damaged. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;
const READ_CHUNK_BYTES = 8 * 1024 * 1024;

export function encodeRecord(body: Document): Buffer {
  const bson = serialize(body, SERIALIZE_OPTIONS);
  const record = Buffer.allocUnsafe(HEADER_BYTES + bson.length);
  record.writeUInt32LE(crc32c(bson), 0);
  record.set(bson, HEADER_BYTES);
  return record;
}

export interface ReadOutcome {
  /** Bytes from the start of the file that hold complete, valid records. */
  validBytes: number;
  fileBytes: number;
  /** Why reading stopped before the end of the file, when it did. */
  problem: string | undefined;
}

/**
 * Calls `onRecord` for each valid record of the file, in order, reading it in chunks (a snapshot
 * of millions of documents never sits in memory whole). An exception from `onRecord` propagates.
 */
export function readRecords(path: string, onRecord: (record: Document) => void): ReadOutcome {
  const fd = openSync(path, 'r');
  try {
    const fileBytes = fstatSync(fd).size;
    let buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let start = 0; // first unconsumed byte in buffer
    let end = 0; // end of the data in buffer
    let filePosition = 0; // file offset of buffer[end]
    let validBytes = 0;
    const fill = (needed: number): boolean => {
      if (end - start >= needed) return true;
      if (start > 0) {
        buffer.copy(buffer, 0, start, end);
        end -= start;
        start = 0;
      }
      if (needed > buffer.length) {
        const larger = Buffer.allocUnsafe(Math.max(needed, buffer.length * 2));
        buffer.copy(larger, 0, 0, end);
        buffer = larger;
      }
      while (end < needed && filePosition < fileBytes) {
        const read = readSync(fd, buffer, end, buffer.length - end, filePosition);
        if (read === 0) break;
        end += read;
        filePosition += read;
      }
      return end - start >= needed;
    };
    while (validBytes < fileBytes) {
      if (!fill(HEADER_BYTES + 4)) return { validBytes, fileBytes, problem: 'a torn record header' };
      const length = buffer.readInt32LE(start + HEADER_BYTES);
      if (length < 5 || length > MAX_RECORD_BYTES) {
        return { validBytes, fileBytes, problem: `an impossible record length (${length})` };
      }
      if (!fill(HEADER_BYTES + length)) return { validBytes, fileBytes, problem: 'a torn record' };
      const body = buffer.subarray(start + HEADER_BYTES, start + HEADER_BYTES + length);
      if (crc32c(body) !== buffer.readUInt32LE(start)) {
        return { validBytes, fileBytes, problem: 'a record whose checksum does not match' };
      }
      let record: Document;
      try {
        record = deserialize(body, DESERIALIZE_OPTIONS) as Document;
      } catch (error) {
        return {
          validBytes,
          fileBytes,
          problem: `a record that is not valid BSON (${(error as Error).message})`,
        };
      }
      onRecord(record);
      start += HEADER_BYTES + length;
      validBytes += HEADER_BYTES + length;
    }
    return { validBytes, fileBytes, problem: undefined };
  } finally {
    closeSync(fd);
  }
}

/** An append-only file of records. Writes are synchronous: once append returns, the OS has them. */
export class RecordFile {
  readonly path: string;
  #fd: number;
  #size: number;
  #unsynced = false;

  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, 'a');
    this.#size = fstatSync(this.#fd).size;
  }

  get size(): number {
    return this.#size;
  }

  append(records: readonly Buffer[]): void {
    if (!records.length) return;
    const bytes = records.length === 1 ? records[0]! : Buffer.concat(records);
    let written = 0;
    while (written < bytes.length) {
      written += writeSync(this.#fd, bytes, written, bytes.length - written);
    }
    this.#size += bytes.length;
    this.#unsynced = true;
  }

  /** Forces what was appended onto the disk (survives a power cut, not just a process kill). */
  sync(): void {
    if (!this.#unsynced) return;
    fdatasyncSync(this.#fd);
    this.#unsynced = false;
  }

  close(): void {
    if (this.#fd < 0) return;
    this.sync();
    closeSync(this.#fd);
    this.#fd = -1;
  }
}
