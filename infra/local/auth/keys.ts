import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A public key as published in a JWKS (RFC 7517), restricted to what an RS256 verifier needs.
 * Type aliases, not interfaces, so they fit aws-jwt-verify's JSON-object `Jwks` type.
 */
export type PublicJwk = {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
};

export type Jwks = {
  keys: PublicJwk[];
};

/** The local stack's token signing key: the private half signs, the JWKS lets the authorizer verify. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwks: Jwks;
}

const KEY_FILE = 'jwt-signing-key.pem';

function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const exported = createPublicKey(privateKey).export({ format: 'jwk' });
  if (exported.kty !== 'RSA' || !exported.n || !exported.e)
    throw new Error('The local signing key is not an RSA key');
  // RFC 7638-style thumbprint as kid: stable for a kept key, different for a regenerated one.
  const kid = createHash('sha256')
    .update(JSON.stringify({ e: exported.e, kty: 'RSA', n: exported.n }))
    .digest('base64url')
    .slice(0, 16);
  return {
    kid,
    privateKey,
    jwks: { keys: [{ kty: 'RSA', n: exported.n, e: exported.e, kid, alg: 'RS256', use: 'sig' }] },
  };
}

/** A fresh 2048-bit RSA key, kept in memory only (tests, throw-away stacks). */
export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return signingKeyFrom(privateKey);
}

/**
 * The key kept under `dir` (`npm start` uses `.local/`, which git ignores), created on first use.
 * Keeping it means a token printed by one `npm start` still verifies after a restart, so a token
 * pasted into a shell or an HTTP client survives restarting the stack.
 */
export async function loadOrCreateSigningKey(dir: string): Promise<SigningKey> {
  const file = join(dir, KEY_FILE);
  const pem = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (pem !== undefined) return signingKeyFrom(createPrivateKey(pem));

  const key = generateSigningKey();
  await mkdir(dir, { recursive: true });
  // Written to a temporary name and renamed, so a crash never leaves a half-written key behind.
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, key.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await rename(partial, file);
  return key;
}
