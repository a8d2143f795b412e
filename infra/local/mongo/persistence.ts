/**
 * Durable storage in a data directory (`--dbpath`): a snapshot plus a journal of every change
 * made since, both in the checksummed record format of journal.ts.
 *
 *   snapshot.bson        the whole state as of generation G (first record: `{o: 'snapshot', gen: G}`)
 *   journal.<N>.bson     changes made after generation N began, N ≥ G, replayed in order at start
 *   mongod.lock          the pid of the server using the directory
 *
 * Durability: the changes a command made are appended (write(2), synchronously) before its reply
 * is sent, so a write that was acknowledged is in the operating system's hands and survives the
 * server process being killed, even with `kill -9`. The journal is fsync'ed every 100 ms (as
 * mongod's journal commit interval) and before replying to a write that asks for `j: true`, so
 * an OS crash or power cut loses at most the last 100 ms of writes that did not ask for `j`.
 *
 * Compaction: once the journal outgrows the last snapshot (and 64 MiB), a new generation starts:
 * new changes go to a new journal file while the state as of that instant is written to a new
 * snapshot in slices (stored documents are never mutated, so holding references to them is a
 * consistent view), which then replaces the old one by rename; only then are older journals
 * deleted. A crash at any point leaves a snapshot and the journals that complete it.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { encodeRecord, RecordFile, readRecords } from './journal.ts';
import type { Change, ChangeLog, Storage } from './storage.ts';
import { type Document, valueKey } from './values.ts';

export interface PersistenceLogger {
  warn(message: string): void;
}

const SNAPSHOT = 'snapshot.bson';
const SNAPSHOT_TEMP = 'snapshot.bson.tmp';
const LOCK = 'mongod.lock';
const JOURNAL = /^journal\.(\d+)\.bson$/;
const SYNC_INTERVAL_MS = 100;
const MIN_COMPACTION_BYTES = 64 * 1024 * 1024;
/** Documents written per slice of a compaction, between which commands are served. */
const SNAPSHOT_SLICE = 2_000;

const journalName = (generation: number) => `journal.${generation}.bson`;

export class DataDirectory implements ChangeLog {
  readonly path: string;
  readonly #storage: Storage;
  readonly #logger: PersistenceLogger;
  #pending: Change[] = [];
  #generation: number;
  #journal: RecordFile;
  #snapshotBytes: number;
  #compaction: Promise<void> | undefined;
  readonly #syncTimer: NodeJS.Timeout;
  #closed = false;

  /**
   * Locks the directory, loads the snapshot, replays the journals (cutting a torn or corrupt
   * tail with a warning) and starts journaling the storage's changes.
   */
  static open(
    path: string,
    storage: Storage,
    logger: PersistenceLogger,
    compactAfterBytes = MIN_COMPACTION_BYTES,
  ): DataDirectory {
    mkdirSync(path, { recursive: true });
    lockDirectory(path);
    try {
      return new DataDirectory(path, storage, logger, compactAfterBytes);
    } catch (error) {
      rmSync(join(path, LOCK), { force: true });
      throw error;
    }
  }

  private constructor(
    path: string,
    storage: Storage,
    logger: PersistenceLogger,
    readonly compactAfterBytes: number,
  ) {
    this.path = path;
    this.#storage = storage;
    this.#logger = logger;
    rmSync(join(path, SNAPSHOT_TEMP), { force: true }); // an interrupted compaction's leftover
    storage.changeLog = undefined;
    const snapshot = loadSnapshot(path, storage);
    this.#snapshotBytes = snapshot.bytes;
    const journals = readdirSync(path)
      .map((name) => Number(JOURNAL.exec(name)?.[1] ?? Number.NaN))
      .filter((generation) => Number.isInteger(generation))
      .sort((a, b) => a - b);
    for (const generation of journals) {
      const file = join(path, journalName(generation));
      if (generation < snapshot.generation) rmSync(file, { force: true });
      else this.#replay(file, storage);
    }
    this.#generation = Math.max(snapshot.generation, journals.at(-1) ?? 0);
    this.#journal = new RecordFile(join(path, journalName(this.#generation)));
    storage.changeLog = this;
    this.#syncTimer = setInterval(() => this.#syncQuietly(), SYNC_INTERVAL_MS);
    this.#syncTimer.unref();
  }

  record(change: Change): void {
    this.#pending.push(change);
  }

  /**
   * Appends the changes recorded since the last commit; called before a command's reply is sent.
   * `sync` also forces them to disk (a write concern with `j: true`).
   */
  commit(sync = false): void {
    this.#appendPending();
    if (sync) this.#journal.sync();
    if (
      !this.#compaction &&
      !this.#closed &&
      this.#journal.size > Math.max(this.compactAfterBytes, this.#snapshotBytes)
    ) {
      this.#compaction = this.compact().finally(() => {
        this.#compaction = undefined;
      });
    }
  }

  #appendPending(): void {
    if (!this.#pending.length) return;
    const changes = this.#pending;
    this.#pending = [];
    this.#journal.append(changes.map((change) => encodeRecord(change)));
  }

  /** Starts a new generation and writes the state as of now into a new snapshot, in slices. */
  async compact(): Promise<void> {
    this.#appendPending();
    const generation = this.#generation + 1;
    const previous = this.#journal;
    this.#journal = new RecordFile(join(this.path, journalName(generation)));
    this.#generation = generation;
    previous.close();
    const state = captureState(this.#storage);
    try {
      this.#snapshotBytes = await writeSnapshot(this.path, generation, state);
      for (const name of readdirSync(this.path)) {
        const older = Number(JOURNAL.exec(name)?.[1] ?? Number.NaN);
        if (older < generation) rmSync(join(this.path, name), { force: true });
      }
    } catch (error) {
      // The journals are all still there: nothing is lost, start-up just replays more.
      this.#logger.warn(
        `[embedded-mongo] compaction of ${this.path} into a snapshot failed, keeping the journals: ${(error as Error).message}`,
      );
    }
  }

  /** Writes what is pending, waits for a compaction under way, syncs and unlocks the directory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.commit();
    this.#closed = true;
    await this.#compaction;
    clearInterval(this.#syncTimer);
    this.#storage.changeLog = undefined;
    this.#journal.close();
    rmSync(join(this.path, LOCK), { force: true });
  }

  #syncQuietly(): void {
    try {
      this.#journal.sync();
    } catch (error) {
      this.#logger.warn(
        `[embedded-mongo] fsync of ${this.#journal.path} failed: ${(error as Error).message}`,
      );
    }
  }

  #replay(file: string, storage: Storage): void {
    const outcome = readRecords(file, (record) => applyChange(storage, record as Change));
    if (outcome.problem === undefined) return;
    const cut = outcome.fileBytes - outcome.validBytes;
    this.#logger.warn(
      `[embedded-mongo] journal ${file}: found ${outcome.problem} at byte ${outcome.validBytes}; ` +
        `cutting the last ${cut} bytes (a write interrupted by a crash is never acknowledged; ` +
        'every record before this point was replayed)',
    );
    truncateSync(file, outcome.validBytes);
  }
}

function lockDirectory(path: string): void {
  const lock = join(path, LOCK);
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new Error(`data directory ${path} is in use by process ${pid} (see ${lock})`);
    }
  }
  writeFileSync(lock, `${process.pid}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function loadSnapshot(path: string, storage: Storage): { generation: number; bytes: number } {
  const file = join(path, SNAPSHOT);
  if (!existsSync(file)) return { generation: 0, bytes: 0 };
  let generation: number | undefined;
  const outcome = readRecords(file, (record) => {
    if (generation === undefined) {
      if (record.o !== 'snapshot' || typeof record.gen !== 'number') {
        throw new Error(`${file} does not start with a snapshot header`);
      }
      generation = record.gen;
    } else {
      applyChange(storage, record as Change);
    }
  });
  // A snapshot is only ever renamed into place once complete and synced: damage here is not a
  // crash's torn tail, and carrying on would silently drop data.
  if (outcome.problem !== undefined || generation === undefined) {
    throw new Error(
      `snapshot ${file} is damaged (${outcome.problem ?? 'empty'} at byte ${outcome.validBytes}); ` +
        'move the data directory aside, or start with --reset to begin empty',
    );
  }
  return { generation, bytes: outcome.fileBytes };
}

/** Applies one journaled change; the same code replays journals and loads snapshots. */
function applyChange(storage: Storage, change: Change): void {
  switch (change.o) {
    case 'createCollection':
      storage.createCollection(change.db, change.c, change.options);
      return;
    case 'dropCollection':
      storage.dropCollection(change.db, change.c);
      return;
    case 'dropDatabase':
      storage.dropDatabase(change.db);
      return;
    case 'createIndex':
      existing(storage, change).addIndex(change.spec);
      return;
    case 'dropIndex':
      existing(storage, change).dropIndex(change.name);
      return;
    case 'insert':
      existing(storage, change).insert(change.doc);
      return;
    case 'replace': {
      const collection = existing(storage, change);
      const idKey = valueKey(change.doc._id);
      const stored = collection.get(idKey);
      if (!stored) throw new Error(`journal replaces a missing document in ${collection.namespace}`);
      collection.replace(idKey, stored, change.doc);
      return;
    }
    case 'delete':
      existing(storage, change).remove(valueKey(change.id));
      return;
    default:
      throw new Error(`unknown journal record ${JSON.stringify((change as Document).o)}`);
  }
}

function existing(storage: Storage, change: { db: string; c: string }) {
  const collection = storage.getCollection(change.db, change.c);
  if (!collection) throw new Error(`journal refers to a missing collection ${change.db}.${change.c}`);
  return collection;
}

interface CollectionState {
  db: string;
  c: string;
  options: Document;
  docs: Document[];
  indexes: Document[];
}

/** References to every stored document as of now (documents are replaced, never mutated). */
function captureState(storage: Storage): CollectionState[] {
  return storage.listDatabases().flatMap((db) =>
    storage.listCollections(db).map((collection) => ({
      db,
      c: collection.name,
      options: collection.options,
      docs: [...collection.docs.values()],
      indexes: collection.indexes.map((index) => index.spec),
    })),
  );
}

async function writeSnapshot(path: string, generation: number, state: CollectionState[]): Promise<number> {
  const temporary = join(path, SNAPSHOT_TEMP);
  rmSync(temporary, { force: true });
  const file = new RecordFile(temporary);
  try {
    file.append([encodeRecord({ o: 'snapshot', gen: generation })]);
    for (const { db, c, options, docs, indexes } of state) {
      file.append([encodeRecord({ o: 'createCollection', db, c, options })]);
      for (let i = 0; i < docs.length; i += SNAPSHOT_SLICE) {
        const slice = docs.slice(i, i + SNAPSHOT_SLICE);
        file.append(slice.map((doc) => encodeRecord({ o: 'insert', db, c, doc })));
        await nextTurn();
      }
      // Indexes after their documents: one build is faster than maintaining them per insert.
      file.append(indexes.map((spec) => encodeRecord({ o: 'createIndex', db, c, spec })));
    }
    file.close();
  } catch (error) {
    file.close();
    rmSync(temporary, { force: true });
    throw error;
  }
  renameSync(temporary, join(path, SNAPSHOT));
  syncDirectory(path);
  return statSync(join(path, SNAPSHOT)).size;
}

/** Makes a rename durable (the directory entry itself). */
function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
