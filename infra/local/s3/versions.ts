import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * The version archive behind the local bucket: every object written is kept as its own immutable
 * file (`<root>/<bucket>/<sha256 of key>/<versionId>` + `.json`), and a `current` file names the
 * version a plain GET returns. s3rver has no versions and rewrites an object's file in place, so a
 * reader streaming a large object while it is overwritten would read a mix of both; here nothing
 * is ever rewritten: s3rver's own object file is a hard link to the newest version, swapped in
 * with an atomic rename.
 */
export interface ObjectVersion {
  versionId: string;
  /** Quoted, as S3 answers it (`"9b2cf…"`). */
  etag: string;
  size: number;
  lastModified: string;
  /** content-type, cache-control, … and x-amz-meta-* as given at write. */
  metadata: Record<string, string>;
}

/** S3's version ids are opaque URL-safe strings; these are random, 32 characters. */
const newVersionId = (): string => randomBytes(24).toString('base64url');

export class VersionArchive {
  constructor(private readonly root: string) {}

  private folder(bucket: string, key: string): string {
    return join(this.root, bucket, createHash('sha256').update(key).digest('hex'));
  }

  /** The file holding a version's bytes (it never changes once written). */
  file(bucket: string, key: string, versionId: string): string {
    return join(this.folder(bucket, key), versionId.replace(/[^A-Za-z0-9_-]/g, '_'));
  }

  /** Writes the content as a new version (not yet current: see makeCurrent). */
  async write(
    bucket: string,
    key: string,
    content: Readable | Buffer,
    metadata: Record<string, string>,
  ): Promise<ObjectVersion> {
    const versionId = newVersionId();
    const file = this.file(bucket, key, versionId);
    await mkdir(this.folder(bucket, key), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = Buffer.isBuffer(content) ? [content] : content;
    // Resolves only once the bytes are on disk (s3rver's own write resolves before that).
    await pipeline(source, measure, createWriteStream(file));
    const version: ObjectVersion = {
      versionId,
      etag: JSON.stringify(md5.digest('hex')),
      size,
      lastModified: new Date().toUTCString(),
      metadata,
    };
    await writeFile(`${file}.json`, JSON.stringify(version));
    return version;
  }

  /** Makes a version the one a plain GET returns, and links it into place as `objectPath`. */
  async makeCurrent(bucket: string, key: string, version: ObjectVersion, objectPath: string): Promise<void> {
    const file = this.file(bucket, key, version.versionId);
    const staged = `${objectPath}.${version.versionId}`;
    await link(file, staged);
    await rename(staged, objectPath);
    const pointer = join(this.folder(bucket, key), 'current');
    await writeFile(`${pointer}.${version.versionId}`, version.versionId);
    await rename(`${pointer}.${version.versionId}`, pointer);
  }

  /** A version's description; undefined when there is no such version. */
  async version(bucket: string, key: string, versionId: string): Promise<ObjectVersion | undefined> {
    try {
      return JSON.parse(await readFile(`${this.file(bucket, key, versionId)}.json`, 'utf8')) as ObjectVersion;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** The current version's id; undefined when the archive holds none (deleted, or never written here). */
  async currentId(bucket: string, key: string): Promise<string | undefined> {
    try {
      return (await readFile(join(this.folder(bucket, key), 'current'), 'utf8')).trim() || undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** A plain DELETE: no version is current any more (like a delete marker); old versions stay readable. */
  async clearCurrent(bucket: string, key: string): Promise<void> {
    await rm(join(this.folder(bucket, key), 'current'), { force: true });
  }

  /** DELETE with a versionId: that version is gone for good. Returns whether it was the current one. */
  async remove(bucket: string, key: string, versionId: string): Promise<boolean> {
    const wasCurrent = (await this.currentId(bucket, key)) === versionId;
    const file = this.file(bucket, key, versionId);
    await Promise.all([unlink(file), unlink(`${file}.json`)].map((p) => p.catch(() => undefined)));
    if (wasCurrent) await this.clearCurrent(bucket, key);
    return wasCurrent;
  }

  /** The bytes of a version, optionally a byte range (inclusive, as HTTP ranges are). */
  open(bucket: string, key: string, versionId: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.file(bucket, key, versionId), range ?? {});
  }

  async exists(bucket: string, key: string, versionId: string): Promise<boolean> {
    return stat(this.file(bucket, key, versionId)).then(
      () => true,
      () => false,
    );
  }
}
