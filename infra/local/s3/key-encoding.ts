/**
 * Object keys in S3 event notifications are URL-encoded (contract §5; AWS: "The object key name value
 * is URL encoded. For example, 'red flower.jpg' becomes 'red+flower.jpg'" —
 * docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
 *
 * The rule S3 applies is HTML form encoding (application/x-www-form-urlencoded, as Java's
 * URLEncoder does it) with `/` kept as is:
 * - kept: `A-Z a-z 0-9 - _ . *` and `/` (event keys show `folder/file.csv`, never `%2F`; minio was
 *   reported for `%2F` because AWS does not do it — github.com/minio/minio/issues/15200);
 * - a space becomes `+`;
 * - every other byte of the key's UTF-8 form becomes `%XX` (upper-case hex): `+` → `%2B`,
 *   `=` → `%3D` (github.com/aws/aws-sam-cli/issues/379), `@` → `%40` (checked against AWS in
 *   localstack's `test_key_encoding`, github.com/localstack/localstack/issues/2741), `:` → `%3A`,
 *   and `( ) ! ' ~` too, which encodeURIComponent would leave alone.
 * Consumers decode with `decodeURIComponent(key.replace(/\+/g, ' '))`.
 */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

/** The inverse, as a consumer of the event does it. */
export function decodeS3EventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}
