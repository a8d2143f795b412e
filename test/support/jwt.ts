import { createHmac, createSign, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/** Test-only JWT forging: valid tokens and the malicious variants an authorizer must refuse. */
export interface TestKeys {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwks: { keys: Array<Record<string, unknown>> };
}

export function testKeys(kid = 'test-key'): TestKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  return { kid, privateKey, publicKey, jwks: { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] } };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signRs256(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject,
): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', ...header })}.${b64(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

/** The classic key-confusion attack: HS256 "signed" with the RSA public key as the HMAC secret. */
export function signHs256WithPublicKey(
  kid: string,
  payload: Record<string, unknown>,
  publicKey: KeyObject,
): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(payload)}`;
  const secret = publicKey.export({ format: 'pem', type: 'spki' });
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function unsigned(kid: string, payload: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(payload)}.`;
}

/** An EC P-256 key published in the JWKS as ES256: a valid signature, but not the algorithm the service accepts. */
export function testEcKeys(kid: string): TestKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  return { kid, privateKey, publicKey, jwks: { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] } };
}

export function signEs256(kid: string, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64({ alg: 'ES256', typ: 'JWT', kid })}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
