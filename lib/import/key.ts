import { CODE_TYPES, type CodeType, MAX_CODE_LENGTH } from '../codes/model.ts';
import { ServiceError } from '../errors.ts';

/**
 * Object keys of code files: `codes/<campaignId>/<type>/<name>` (contract §4, §5) — exactly four
 * segments, none empty, none `.` or `..` (a key is not a path, but a key that looks like a
 * traversal is a mistake, not a file name), and a type folder of `tm` or `external`.
 */
export interface FileKey {
  key: string;
  campaignId: string;
  type: CodeType;
  name: string;
}

const LAYOUT = 'fileKey must look like codes/<campaignId>/<type>/<name>';

const isBadSegment = (segment: string): boolean => segment === '' || segment === '.' || segment === '..';

export function parseFileKey(key: unknown): FileKey {
  if (typeof key !== 'string') throw new ServiceError('invalidFileKey', `${LAYOUT} (a string)`);
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
