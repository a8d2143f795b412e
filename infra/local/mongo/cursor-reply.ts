/**
 * Builds `{ cursor: { firstBatch|nextBatch: [...], id, ns }, ok: 1 }` directly from documents that
 * are already BSON-encoded. Each result document is serialised exactly once: its size decides
 * whether it still fits in the 16 MB batch, and the same bytes go on the wire.
 */
import type { Long } from 'bson';

const TYPE_DOUBLE = 0x01;
const TYPE_STRING = 0x02;
const TYPE_DOCUMENT = 0x03;
const TYPE_ARRAY = 0x04;
const TYPE_INT64 = 0x12;

export type BatchField = 'firstBatch' | 'nextBatch';

export function encodeCursorReply(
  field: BatchField,
  docs: readonly Uint8Array[],
  id: Long,
  ns: string,
): Buffer {
  const fieldBytes = Buffer.from(field, 'utf8');
  const nsBytes = Buffer.from(ns, 'utf8');

  let arraySize = 4 + 1;
  for (let i = 0; i < docs.length; i++) arraySize += 1 + String(i).length + 1 + docs[i]!.length;
  const cursorSize =
    4 + (1 + fieldBytes.length + 1 + arraySize) + (1 + 3 + 8) + (1 + 3 + 4 + nsBytes.length + 1) + 1;
  const totalSize = 4 + (1 + 7 + cursorSize) + (1 + 3 + 8) + 1;

  const out = Buffer.allocUnsafe(totalSize);
  let p = 0;
  p = out.writeInt32LE(totalSize, p);
  out[p++] = TYPE_DOCUMENT;
  p += out.write('cursor\0', p, 'latin1');
  p = out.writeInt32LE(cursorSize, p);
  out[p++] = TYPE_ARRAY;
  p += fieldBytes.copy(out, p);
  out[p++] = 0;
  p = out.writeInt32LE(arraySize, p);
  for (let i = 0; i < docs.length; i++) {
    out[p++] = TYPE_DOCUMENT;
    p += out.write(`${i}\0`, p, 'latin1');
    out.set(docs[i]!, p);
    p += docs[i]!.length;
  }
  out[p++] = 0; // end of array
  out[p++] = TYPE_INT64;
  p += out.write('id\0', p, 'latin1');
  p = out.writeInt32LE(id.low, p);
  p = out.writeInt32LE(id.high, p);
  out[p++] = TYPE_STRING;
  p += out.write('ns\0', p, 'latin1');
  p = out.writeInt32LE(nsBytes.length + 1, p);
  p += nsBytes.copy(out, p);
  out[p++] = 0;
  out[p++] = 0; // end of cursor
  out[p++] = TYPE_DOUBLE;
  p += out.write('ok\0', p, 'latin1');
  p = out.writeDoubleLE(1, p);
  out[p++] = 0; // end of reply
  if (p !== totalSize) throw new Error(`cursor reply size mismatch: ${p} !== ${totalSize}`);
  return out;
}
