import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { VersionArchive } from './versions.ts';

/**
 * GET, HEAD and versioned DELETE of objects of the versioned local bucket, served from the version
 * archive (s3rver knows no versions): `versionId` picks a version, `If-Match` / `If-None-Match`
 * and `Range` are honoured, and every answer names its `x-amz-version-id`. Anything else (listing,
 * uploads, ACLs, objects written before the archive existed) is left to s3rver: handle() then
 * resolves false. Signatures are not checked here (the local S3 also takes unsigned requests).
 */
export interface VersionedReads {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/** Query parameters a plain object GET may carry: presigned-URL auth, the SDK's `x-id`, overrides. */
const OBJECT_QUERY = /^(versionId|x-id|X-Amz-.+|response-.+|AWSAccessKeyId|Signature|Expires)$/;

function errorReply(
  res: ServerResponse,
  method: string,
  status: number,
  code: string,
  message: string,
): true {
  const body =
    method === 'HEAD'
      ? ''
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → an inclusive range; null when unsatisfiable; undefined for none. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [start, end] =
    match[1] === ''
      ? [Math.max(0, size - Number(match[2])), size - 1]
      : [Number(match[1]), match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)];
  return start > end || start >= size ? null : { start, end };
}

const unquote = (etag: string): string => etag.trim().replace(/^(W\/)?"(.*)"$/, '$2');
const matchesAny = (header: string, etag: string): boolean =>
  header.split(',').some((candidate) => candidate.trim() === '*' || unquote(candidate) === unquote(etag));

export function versionedReads(archive: VersionArchive, bucket: string): VersionedReads {
  return {
    async handle(req, res) {
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') return false;
      const url = new URL(req.url ?? '/', 'http://local');
      const [, first, ...rest] = url.pathname.split('/');
      if (first === undefined || decodeURIComponent(first) !== bucket || rest.length === 0) return false;
      const key = decodeURIComponent(rest.join('/'));
      if (key === '' || [...url.searchParams.keys()].some((name) => !OBJECT_QUERY.test(name))) return false;
      const asked = url.searchParams.get('versionId') ?? undefined;

      if (method === 'DELETE') {
        // A plain DELETE is s3rver's (the store hook then leaves no version current).
        if (asked === undefined) return false;
        await archive.remove(bucket, key, asked);
        res.writeHead(204, { 'x-amz-version-id': asked });
        res.end();
        return true;
      }

      const versionId = asked ?? (await archive.currentId(bucket, key));
      if (versionId === undefined) return false;
      const version = await archive.version(bucket, key, versionId);
      if (!version) {
        return asked === undefined
          ? errorReply(res, method, 404, 'NoSuchKey', 'The specified key does not exist.')
          : errorReply(res, method, 404, 'NoSuchVersion', 'The specified version does not exist.');
      }
      const ifMatch = req.headers['if-match'];
      if (ifMatch && !matchesAny(ifMatch, version.etag)) {
        return errorReply(
          res,
          method,
          412,
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
      }
      const ifNoneMatch = req.headers['if-none-match'];
      if (ifNoneMatch && matchesAny(ifNoneMatch, version.etag)) {
        res.writeHead(304, { etag: version.etag, 'x-amz-version-id': version.versionId });
        res.end();
        return true;
      }
      const range = parseRange(req.headers.range, version.size);
      if (range === null)
        return errorReply(res, method, 416, 'InvalidRange', 'The requested range is not satisfiable');

      const headers: Record<string, string | number> = {
        'content-type': 'binary/octet-stream',
        ...version.metadata,
        etag: version.etag,
        'last-modified': version.lastModified,
        'accept-ranges': 'bytes',
        'x-amz-version-id': version.versionId,
        'content-length': range ? range.end - range.start + 1 : version.size,
        ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${version.size}` } : {}),
      };
      for (const [name, value] of url.searchParams) {
        if (name.startsWith('response-')) headers[name.slice('response-'.length)] = value;
      }
      res.writeHead(range ? 206 : 200, headers);
      if (method === 'HEAD' || version.size === 0) {
        res.end();
        return true;
      }
      await pipeline(archive.open(bucket, key, version.versionId, range ?? undefined), res);
      return true;
    },
  };
}
