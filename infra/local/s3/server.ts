import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import S3rver from 's3rver';
import { normalizeIp } from '../gateway/request-event.ts';
import { listenLocal } from '../listen.ts';
import type { ObjectCreated, ObjectCreatedEventName } from './event.ts';
import { versionedReads } from './versioned-reads.ts';
import { makeVersioned, type S3rverObjectStore } from './versioned-store.ts';
import { type ObjectVersion, VersionArchive } from './versions.ts';

export interface LocalS3Options {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  bucket: string;
  /** Where the objects live: s3rver's files in `objects/`, every version in `versions/`. */
  directory: string;
  /** Called once per object created (put, form post, copy, completed multipart upload). */
  onObjectCreated: (object: ObjectCreated) => void;
  log?: (line: string) => void;
}

export interface LocalS3 {
  endpoint: string;
  port: number;
  bucket: string;
  /**
   * Stops taking connections; requests in flight (an import's streaming read) go on. Resolves when
   * the last connection has ended.
   */
  stopAccepting(): Promise<void>;
  /** Stops taking connections, ends idle ones at once and those still busy after a moment. */
  close(): Promise<void>;
}

/** What the request that caused an s3rver event looked like (s3rver's event does not say). */
interface RequestInfo {
  method: string;
  url: string;
  sourceIp: string;
  /** The version this request wrote, if it wrote one. */
  version?: ObjectVersion;
}

const CREATED_BY_S3RVER: Record<string, ObjectCreatedEventName> = {
  'ObjectCreated:Put': 'ObjectCreated:Put',
  'ObjectCreated:Post': 'ObjectCreated:Post',
  'ObjectCreated:Copy': 'ObjectCreated:Copy',
};

/**
 * s3rver reports a completed multipart upload as a `Post`; the request (POST `?uploadId=`) tells
 * the two apart.
 */
function eventNameOf(
  s3rverName: string,
  request: RequestInfo | undefined,
): ObjectCreatedEventName | undefined {
  const name = CREATED_BY_S3RVER[s3rverName];
  if (name === 'ObjectCreated:Post' && request && /[?&]uploadId=/.test(request.url)) {
    return 'ObjectCreated:CompleteMultipartUpload';
  }
  return name;
}

/**
 * A local S3 endpoint: one versioned bucket (created at start), path-style, accepting the
 * `S3RVER`/`S3RVER` credentials or unsigned requests (`curl -T`). s3rver serves the S3 API;
 * versioning is added around it (versioned-store.ts, versioned-reads.ts): every write answers
 * with its `x-amz-version-id` and notifies with it, and reads honour `versionId` and `If-Match`,
 * as the deployed (versioned) bucket does. Each request runs inside an AsyncLocalStorage scope,
 * so the in-process event s3rver emits can be tied back to the request that caused it (client
 * address, multipart completion, the version written).
 */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const log = options.log ?? (() => {});
  const objects = join(options.directory, 'objects');
  await mkdir(objects, { recursive: true });
  const archive = new VersionArchive(join(options.directory, 'versions'));
  const s3rver = new S3rver({
    directory: objects,
    silent: true,
    configureBuckets: [{ name: options.bucket }],
  });
  await s3rver.configureBuckets();
  const requests = new AsyncLocalStorage<RequestInfo>();
  makeVersioned(s3rver.store as unknown as S3rverObjectStore, archive, (_bucket, _key, version) => {
    const request = requests.getStore();
    if (request) request.version = version;
  });
  const reads = versionedReads(archive, options.bucket);

  s3rver.on('error', (error) => {
    if ((error.status ?? 500) >= 500) log(`s3rver error: ${error.stack ?? error.message}`);
  });
  s3rver.on('event', (event) => {
    const request = requests.getStore();
    for (const record of event.Records) {
      const eventName = eventNameOf(record.eventName, request);
      if (!eventName) continue; // deletions are not of interest here
      const { bucket, object } = record.s3;
      const describe = async (): Promise<ObjectCreated> => {
        const version = request?.version;
        if (version) {
          return {
            eventName,
            bucket: bucket.name,
            key: object.key,
            size: version.size,
            eTag: version.etag.replaceAll('"', ''),
            versionId: version.versionId,
            sourceIp: request?.sourceIp ?? '127.0.0.1',
            time: new Date(),
          };
        }
        // s3rver leaves the ETag out of copy events; the stored metadata has it.
        const metadata =
          object.eTag === undefined || object.size === undefined
            ? await s3rver.store.getMetadata(bucket.name, object.key)
            : undefined;
        return {
          eventName,
          bucket: bucket.name,
          key: object.key,
          size: object.size ?? Number(metadata?.['content-length']),
          eTag: (object.eTag ?? String(metadata?.etag)).replaceAll('"', ''),
          sourceIp: request?.sourceIp ?? '127.0.0.1',
          time: new Date(),
        };
      };
      describe().then(options.onObjectCreated, (error: unknown) =>
        log(`s3 notification for ${object.key} dropped: ${(error as Error).message}`),
      );
    }
  });

  const app = s3rver.callback();
  const server = createServer((req, res) => {
    const ip = normalizeIp(req.socket.remoteAddress);
    // S3 reports IPv4 addresses only (the Powertools S3 schema insists on it).
    const info: RequestInfo = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      sourceIp: ip.includes(':') ? '127.0.0.1' : ip,
    };
    // The version a write created, on its answer as S3 sends it (set before s3rver answers).
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
    res.writeHead = ((...args: unknown[]) => {
      if (info.version && !res.headersSent) res.setHeader('x-amz-version-id', info.version.versionId);
      return writeHead(...args);
    }) as typeof res.writeHead;
    requests.run(info, () => {
      reads
        .handle(req, res)
        .then((handled) => {
          if (!handled) app(req, res);
        })
        .catch((error: unknown) => {
          log(`s3 read of ${info.url} failed: ${(error as Error).stack ?? String(error)}`);
          if (!res.headersSent) res.writeHead(500).end();
          else res.destroy();
        });
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listenLocal(server, options.port, host);

  let closed: Promise<void> | undefined;
  const stopAccepting = () =>
    (closed ??= new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    ));
  return {
    endpoint: `http://${host}:${port}`,
    port,
    bucket: options.bucket,
    stopAccepting,
    close: async () => {
      const done = stopAccepting();
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), 1000).unref();
      await done.finally(() => clearTimeout(cut));
    },
  };
}
