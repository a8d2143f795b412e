/**
 * MongoDB wire protocol: TCP framing, parsing of OP_MSG / legacy OP_QUERY requests, and encoding
 * of OP_MSG / OP_REPLY responses. Reference: https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/
 */
import { deserialize } from 'bson';
import { crc32c } from './crc32c.ts';
import type { Document } from './values.ts';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

/** Advertised as maxMessageSizeBytes in hello; anything larger is refused before it is buffered. */
export const MAX_MESSAGE_SIZE = 48_000_000;
export const HEADER_SIZE = 16;

const FLAG_CHECKSUM_PRESENT = 1 << 0;
const FLAG_MORE_TO_COME = 1 << 1;
/** Bits 0-15 are "required": a receiver must reject a message with a required bit it does not know. */
const KNOWN_REQUIRED_FLAGS = FLAG_CHECKSUM_PRESENT | FLAG_MORE_TO_COME;

/** Options for every request document: keep int64 as Long so large values and cursor ids survive. */
const DESERIALIZE_OPTIONS = { promoteLongs: false } as const;

/** A message the server cannot accept; the connection that sent it is closed. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * Reassembles length-prefixed messages from TCP chunks: a message may arrive split across many
 * chunks, and one chunk may carry several messages. Chunks are only concatenated once a whole
 * message is available, so a 40 MB message arriving in 64 KB pieces is copied once, not 600 times.
 */
export class MessageFramer {
  #chunks: Buffer[] = [];
  #offset = 0; // read position inside #chunks[0]
  #available = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#available += chunk.length;
  }

  get bufferedBytes(): number {
    return this.#available;
  }

  /** The next complete message, or undefined while more bytes are needed. */
  next(): Buffer | undefined {
    if (this.#available < 4) return undefined;
    const size = this.#peekInt32();
    if (size < HEADER_SIZE) throw new ProtocolError(`invalid message length ${size}`);
    if (size > MAX_MESSAGE_SIZE) {
      throw new ProtocolError(`message length ${size} exceeds maxMessageSizeBytes ${MAX_MESSAGE_SIZE}`);
    }
    if (this.#available < size) return undefined;
    return this.#take(size);
  }

  #peekInt32(): number {
    const first = this.#chunks[0]!;
    if (first.length - this.#offset >= 4) return first.readInt32LE(this.#offset);
    const bytes = Buffer.alloc(4);
    let copied = 0;
    let offset = this.#offset;
    for (const chunk of this.#chunks) {
      copied += chunk.copy(bytes, copied, offset, Math.min(chunk.length, offset + 4 - copied));
      offset = 0;
      if (copied === 4) break;
    }
    return bytes.readInt32LE(0);
  }

  #take(size: number): Buffer {
    const first = this.#chunks[0]!;
    let out: Buffer;
    if (first.length - this.#offset >= size) {
      out = first.subarray(this.#offset, this.#offset + size);
      this.#offset += size;
      if (this.#offset === first.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    } else {
      out = Buffer.allocUnsafe(size);
      let copied = 0;
      while (copied < size) {
        const chunk = this.#chunks[0]!;
        const n = chunk.copy(out, copied, this.#offset, Math.min(chunk.length, this.#offset + size - copied));
        copied += n;
        this.#offset += n;
        if (this.#offset === chunk.length) {
          this.#chunks.shift();
          this.#offset = 0;
        }
      }
    }
    this.#available -= size;
    return out;
  }
}

export interface MessageHeader {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export interface MsgRequest {
  opCode: typeof OP_MSG;
  header: MessageHeader;
  /** Body section with every document-sequence section folded in under its identifier. */
  command: Document;
  /** The client expects no reply (unacknowledged write). */
  moreToCome: boolean;
}

export interface QueryRequest {
  opCode: typeof OP_QUERY;
  header: MessageHeader;
  fullCollectionName: string;
  query: Document;
}

export type Request = MsgRequest | QueryRequest;

export function readHeader(message: Buffer): MessageHeader {
  return {
    messageLength: message.readInt32LE(0),
    requestId: message.readInt32LE(4),
    responseTo: message.readInt32LE(8),
    opCode: message.readInt32LE(12),
  };
}

/** Parses one complete message; throws ProtocolError for anything malformed or unsupported. */
export function parseMessage(message: Buffer): Request {
  const header = readHeader(message);
  if (header.messageLength !== message.length) throw new ProtocolError('message length mismatch');
  switch (header.opCode) {
    case OP_MSG:
      return parseOpMsg(message, header);
    case OP_QUERY:
      return parseOpQuery(message, header);
    default:
      throw new ProtocolError(`unsupported opCode ${header.opCode}`);
  }
}

function parseOpMsg(message: Buffer, header: MessageHeader): MsgRequest {
  if (message.length < HEADER_SIZE + 5) throw new ProtocolError('OP_MSG too short');
  const flags = message.readUInt32LE(HEADER_SIZE);
  if (flags & 0xffff & ~KNOWN_REQUIRED_FLAGS) {
    throw new ProtocolError(`OP_MSG has unknown required flag bits 0x${flags.toString(16)}`);
  }
  let end = message.length;
  if (flags & FLAG_CHECKSUM_PRESENT) {
    end -= 4;
    if (end < HEADER_SIZE + 5) throw new ProtocolError('OP_MSG too short for its checksum');
    const expected = message.readUInt32LE(end);
    const actual = crc32c(message.subarray(0, end));
    if (expected !== actual) throw new ProtocolError('OP_MSG checksum mismatch');
  }

  let body: Document | undefined;
  const sequences: Array<[string, DocumentSequence]> = [];
  let offset = HEADER_SIZE + 4;
  while (offset < end) {
    const kind = message[offset];
    offset += 1;
    if (kind === 0) {
      if (body) throw new ProtocolError('OP_MSG has more than one body section');
      const size = documentSize(message, offset, end);
      body = decode(message, offset, size);
      offset += size;
    } else if (kind === 1) {
      if (offset + 4 > end) throw new ProtocolError('truncated document sequence');
      const sectionSize = message.readInt32LE(offset);
      const sectionEnd = offset + sectionSize;
      if (sectionSize < 5 || sectionEnd > end) throw new ProtocolError('invalid document sequence size');
      const nameEnd = message.indexOf(0, offset + 4);
      if (nameEnd === -1 || nameEnd >= sectionEnd) {
        throw new ProtocolError('invalid document sequence identifier');
      }
      const identifier = message.toString('utf8', offset + 4, nameEnd);
      const offsets: number[] = [];
      let position = nameEnd + 1;
      while (position < sectionEnd) {
        offsets.push(position);
        position += documentSize(message, position, sectionEnd);
      }
      sequences.push([identifier, new DocumentSequence(message, offsets)]);
      offset = sectionEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new ProtocolError('OP_MSG has no body section');
  for (const [identifier, docs] of sequences) {
    if (Object.hasOwn(body, identifier)) {
      throw new ProtocolError(`OP_MSG document sequence '${identifier}' duplicates a body field`);
    }
    body[identifier] = docs;
  }
  return { opCode: OP_MSG, header, command: body, moreToCome: (flags & FLAG_MORE_TO_COME) !== 0 };
}

function parseOpQuery(message: Buffer, header: MessageHeader): QueryRequest {
  let offset = HEADER_SIZE + 4; // skip flags
  const nameEnd = message.indexOf(0, offset);
  if (nameEnd === -1) throw new ProtocolError('OP_QUERY collection name is not terminated');
  const fullCollectionName = message.toString('utf8', offset, nameEnd);
  offset = nameEnd + 1 + 8; // numberToSkip, numberToReturn
  const size = documentSize(message, offset, message.length);
  const query = decode(message, offset, size);
  return { opCode: OP_QUERY, header, fullCollectionName, query };
}

/**
 * The documents of an OP_MSG kind-1 section, decoded one at a time on access. A 50 000-op bulk
 * write then never holds 50 000 decoded operations at once: each one becomes garbage as soon as
 * it has been applied, which keeps the garbage collector from promoting (and later sweeping)
 * tens of megabytes per batch. Sizes are validated up front; a document whose BSON turns out to
 * be invalid raises ProtocolError when reached, and the connection is closed.
 */
export class DocumentSequence {
  readonly #message: Buffer;
  readonly #offsets: readonly number[];

  constructor(message: Buffer, offsets: readonly number[]) {
    this.#message = message;
    this.#offsets = offsets;
  }

  get length(): number {
    return this.#offsets.length;
  }

  at(index: number): Document | undefined {
    const offset = this.#offsets[index];
    if (offset === undefined) return undefined;
    return decode(this.#message, offset, this.#message.readInt32LE(offset));
  }

  *[Symbol.iterator](): Generator<Document> {
    for (let i = 0; i < this.#offsets.length; i++) yield this.at(i)!;
  }
}

function documentSize(message: Buffer, offset: number, end: number): number {
  if (offset + 5 > end) throw new ProtocolError('truncated BSON document');
  const size = message.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolError('BSON document size out of bounds');
  return size;
}

function decode(message: Buffer, offset: number, size: number): Document {
  try {
    return deserialize(message.subarray(offset, offset + size), DESERIALIZE_OPTIONS) as Document;
  } catch (error) {
    throw new ProtocolError(`invalid BSON: ${(error as Error).message}`);
  }
}

let nextRequestId = 1;

/** OP_MSG reply with a single body section (replies never use checksums or document sequences). */
export function encodeOpMsg(responseTo: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + 5 + body.length);
  writeHeader(out, responseTo, OP_MSG);
  out.writeUInt32LE(0, HEADER_SIZE);
  out[HEADER_SIZE + 4] = 0;
  out.set(body, HEADER_SIZE + 5);
  return out;
}

/** OP_REPLY carrying one document: the answer to a legacy OP_QUERY command (the first handshake). */
export function encodeOpReply(responseTo: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + 20 + body.length);
  writeHeader(out, responseTo, OP_REPLY);
  out.writeInt32LE(0, HEADER_SIZE); // responseFlags
  out.writeBigInt64LE(0n, HEADER_SIZE + 4); // cursorID
  out.writeInt32LE(0, HEADER_SIZE + 12); // startingFrom
  out.writeInt32LE(1, HEADER_SIZE + 16); // numberReturned
  out.set(body, HEADER_SIZE + 20);
  return out;
}

function writeHeader(out: Buffer, responseTo: number, opCode: number): void {
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(nextRequestId, 4);
  nextRequestId = nextRequestId >= 0x7fffffff ? 1 : nextRequestId + 1;
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(opCode, 12);
}
