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
  /**
   * HMAC keys of the current secret for one purpose each: `account` turns usernames into
   * keyed hashes (limiter keys, audit entries for unknown names), `device` signs device
   * cookies, `internal` authenticates what the middleware tells the server (client address,
   * auth state). A secret rotation resets them, which costs nothing but a few counters.
   */
  readonly macs: { readonly account: CryptoKey; readonly device: CryptoKey; readonly internal: CryptoKey };
  /**
   * AES-256-GCM keys that seal small secrets at rest (lib/auth/secret-box.ts): the current
   * secret's seals, and every secret's key by id opens, so a rotated AUTH_SECRET still opens
   * what was sealed before it (while the old one is listed in AUTH_SECRET_PREVIOUS).
   */
  readonly boxes: { readonly current: BoxKey; readonly byId: ReadonlyMap<string, CryptoKey> };
}

export interface BoxKey {
  /** Short public id, written into every sealed value. Derived from the secret, not its position. */
  readonly kid: string;
  readonly key: CryptoKey;
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

async function deriveMacKey(secret: string, purpose: string): Promise<CryptoKey> {
  const raw = await hkdf(secret, `mac/${purpose}`, 32);
  return crypto.subtle.importKey('raw', raw as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

async function deriveBoxKey(secret: string): Promise<BoxKey> {
  const [raw, kidBytes] = await Promise.all([
    hkdf(secret, 'box/aes-256-gcm', 32),
    hkdf(secret, 'box/kid', 6),
  ]);
  const key = await crypto.subtle.importKey('raw', raw as BufferSource, 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
  return { kid: base64url(kidBytes), key };
}

/** Builds the keyring for a secret and the previous secrets still accepted (newest first). */
export async function deriveKeyring(secret: string, previous: readonly string[] = []): Promise<Keyring> {
  const secrets = [secret, ...previous];
  const [signing, seals, boxes, account, device, internal] = await Promise.all([
    Promise.all(secrets.map(deriveSigningKey)),
    Promise.all(secrets.map(deriveSealPassword)),
    Promise.all(secrets.map(deriveBoxKey)),
    deriveMacKey(secret, 'account'),
    deriveMacKey(secret, 'device'),
    deriveMacKey(secret, 'internal'),
  ]);
  return {
    current: signing[0]!,
    verification: new Map(signing.map((k) => [k.kid, k.key])),
    sealPassword: Object.fromEntries([seals[0]!]),
    unsealPasswords: Object.fromEntries(seals),
    macs: { account, device, internal },
    boxes: { current: boxes[0]!, byId: new Map(boxes.map((b) => [b.kid, b.key])) },
  };
}

/** HMAC-SHA256 of `data`, base64url; `bytes` truncates (16 bytes = 128 bits is plenty for keys). */
export async function mac(key: CryptoKey, data: string, bytes = 32): Promise<string> {
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(data)));
  return base64url(sig.subarray(0, bytes));
}

/** Constant-time check of a MAC made by `mac` (Web Crypto's verify compares in constant time). */
export async function macMatches(key: CryptoKey, data: string, candidate: string, bytes = 32): Promise<boolean> {
  const expected = await mac(key, data, bytes);
  if (candidate.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ candidate.charCodeAt(i);
  return diff === 0;
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
