import { base64url } from './random';

/**
 * Keys derived from AUTH_SECRET with HKDF, one per purpose, so the secret itself never signs
 * or seals anything and a weakness in one use cannot leak into the other. Edge-safe (Web
 * Crypto only). Derive once per process and reuse: importing an HMAC key per request would
 * double the cost of every verification.
 */
export interface SigningKey {
  /** Short public id of the key, carried in the JWT header's `kid`. */
  readonly kid: string;
  readonly key: CryptoKey;
}

export interface Keyring {
  /** Signs new access tokens. */
  readonly current: SigningKey;
  /** Verifies access tokens: the current key and any previous ones, by kid. */
  readonly verification: ReadonlyMap<string, CryptoKey>;
  /** Seals new refresh tokens: a one-entry iron-session password map. */
  readonly sealPassword: Readonly<Record<string, string>>;
  /**
   * Unseals refresh tokens: every secret's password by id. Ids are derived from each secret,
   * not from its position, so dropping an old secret never renumbers the others.
   */
  readonly unsealPasswords: Readonly<Record<string, string>>;
}

const encoder = new TextEncoder();
const VERSION = 'gatehouse/v1';

async function hkdf(secret: string, info: string, bytes: number): Promise<Uint8Array> {
  const ikm = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode(VERSION), info: encoder.encode(info) },
    ikm,
    bytes * 8,
  );
  return new Uint8Array(bits);
}

async function deriveSigningKey(secret: string): Promise<SigningKey> {
  const [raw, kidBytes] = await Promise.all([
    hkdf(secret, 'access-token/HS256', 32),
    hkdf(secret, 'access-token/kid', 9),
  ]);
  const key = await crypto.subtle.importKey(
    'raw',
    raw as BufferSource,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  return { kid: base64url(kidBytes), key };
}

async function deriveSealPassword(secret: string): Promise<[id: string, password: string]> {
  const [password, idBytes] = await Promise.all([
    hkdf(secret, 'refresh-token/iron', 32),
    hkdf(secret, 'refresh-token/iron-id', 4),
  ]);
  // iron-session wants numeric ids.
  const id = new DataView(idBytes.buffer).getUint32(0).toString();
  return [id, base64url(password)];
}

/** Builds the keyring for a secret and the previous secrets still accepted (newest first). */
export async function deriveKeyring(secret: string, previous: readonly string[] = []): Promise<Keyring> {
  const secrets = [secret, ...previous];
  const [signing, seals] = await Promise.all([
    Promise.all(secrets.map(deriveSigningKey)),
    Promise.all(secrets.map(deriveSealPassword)),
  ]);
  return {
    current: signing[0]!,
    verification: new Map(signing.map((k) => [k.kid, k.key])),
    sealPassword: Object.fromEntries([seals[0]!]),
    unsealPasswords: Object.fromEntries(seals),
  };
}

const cache = new Map<string, Promise<Keyring>>();

/** deriveKeyring, memoised per process: the import happens once, not per request. */
export function keyringFor(secret: string, previous: readonly string[] = []): Promise<Keyring> {
  const id = [secret, ...previous].join('\u0000');
  let ring = cache.get(id);
  if (!ring) {
    ring = deriveKeyring(secret, previous);
    cache.set(id, ring);
  }
  return ring;
}
