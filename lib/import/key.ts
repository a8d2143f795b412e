import { CODE_TYPES, CONTROL_CHARACTER, type CodeType, MAX_CODE_LENGTH } from '../codes/model.ts';
import { ServiceError } from '../errors.ts';

/**
 * Object keys of code files: `codes/<campaignId>/<type>/<name>` (contract §4, §5) — exactly four
 * segments, none empty, none `.` or `..` (a key is not a path, but a key that looks like a
 * traversal is a mistake, not a file name), and a type folder of `tm` or `external`. A key S3
 * itself would refuse is refused here too, so it is a 400 and never a 500: at most 1 024 bytes of
 * well-formed UTF-8, and no control characters (S3 cannot list them in its XML answers).
 */
export interface FileKey {
  key: string;
  campaignId: string;
  type: CodeType;
  name: string;
}

const LAYOUT = 'fileKey must look like codes/<campaignId>/<type>/<name>';

/** S3's limit on an object key, in bytes of its UTF-8 encoding. */
export const MAX_KEY_BYTES = 1024;

const isBadSegment = (segment: string): boolean => segment === '' || segment === '.' || segment === '..';

export function parseFileKey(key: unknown): FileKey {
  if (typeof key !== 'string') throw new ServiceError('invalidFileKey', `${LAYOUT} (a string)`);
  // Stryker disable next-line StringLiteral: Node reads an empty encoding name as UTF-8 as well
  const utf8 = Buffer.from(key, 'utf8');
  // A lone surrogate has no UTF-8 encoding: it comes back as U+FFFD.
  if (utf8.toString('utf8') !== key) {
    throw new ServiceError('invalidFileKey', 'fileKey is not valid Unicode text');
  }
  if (utf8.length > MAX_KEY_BYTES) {
    throw new ServiceError('invalidFileKey', `fileKey is longer than ${MAX_KEY_BYTES} bytes (UTF-8)`);
  }
  if (CONTROL_CHARACTER.test(key)) {
    throw new ServiceError('invalidFileKey', 'fileKey holds a control character');
  }
  const segments = key.split('/');
  if (segments.length !== 4 || segments[0] !== 'codes' || segments.some(isBadSegment)) {
    throw new ServiceError('invalidFileKey', LAYOUT);
  }
  const [, campaignId, type, name] = segments as [string, string, string, string];
  // The same bound as a campaignId in a path (lib/codes/validation.ts).
  if (campaignId.length > MAX_CODE_LENGTH)
    throw new ServiceError('invalidFileKey', `${LAYOUT}: campaignId too long`);
  if (!(CODE_TYPES as readonly string[]).includes(type)) {
    throw new ServiceError('invalidType', `the type folder must be one of: ${CODE_TYPES.join(', ')}`);
  }
  return { key, campaignId, type: type as CodeType, name };
}

/**
 * The campaign a key names, when it names one even though the key is unusable (an unknown type
 * folder, one segment too many): the failed import record is then visible under that campaign.
 */
export function campaignOfKey(key: string): string | undefined {
  const [prefix, campaignId = ''] = key.split('/');
  return prefix === 'codes' && !isBadSegment(campaignId) ? campaignId : undefined;
}

/**
 * Keys in S3 event notifications are form-URL-encoded: `+` is a space, then percent-decoding
 * (so a literal `+` arrives as `%2B`). A key that does not decode is not one S3 produced.
 */
export function decodeEventKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    throw new ServiceError('invalidFileKey', 'the object key in the event is not validly URL-encoded');
  }
}
