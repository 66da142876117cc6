import { mac, macMatches } from '../edge/keys';
import { randomId, type RandomBytes } from '../edge/random';

/**
 * OWASP's "device cookies": a browser that has signed in to an account gets a signed token
 * for that account, and sign-ins presenting it are counted per device instead of per account.
 * Someone guessing Jon's password from elsewhere can then exhaust the account's allowance
 * without keeping Jon out of the browser he already uses. The token carries no secret and
 * grants nothing by itself; it only picks which counter a password attempt is charged to.
 *
 * Token: `<nonce>.<expiresAtSeconds>.<mac>`, the MAC over the account hash, nonce and expiry,
 * so a token cannot be moved to another account, extended, or made up.
 */
export const DEVICE_TOKEN_TTL = 180 * 86_400;

const NONCE_BYTES = 16;
const TOKEN = /^([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * One cookie per account, so a shared browser keeps a token for each account signed in from
 * it. Secure deployments add `__Host-` (Secure, Path=/, no Domain: no subdomain can plant one).
 */
export function deviceCookieName(accountHash: string, secure: boolean): string {
  return `${secure ? '__Host-' : ''}gatehouse-device-${accountHash.slice(0, 12)}`;
}

export interface IssueOptions {
  /** Milliseconds since the epoch. */
  readonly now: number;
  readonly random: RandomBytes;
  /** Seconds; DEVICE_TOKEN_TTL by default. */
  readonly ttl?: number;
  /** Renew this device's token (same nonce, so the same counter) instead of minting a new device. */
  readonly nonce?: string;
}

export async function issueDeviceToken(
  key: CryptoKey,
  accountHash: string,
  options: IssueOptions,
): Promise<string> {
  const nonce = options.nonce ?? randomId(options.random, NONCE_BYTES);
  const expiresAt = Math.floor(options.now / 1000) + (options.ttl ?? DEVICE_TOKEN_TTL);
  return `${nonce}.${expiresAt}.${await mac(key, signed(accountHash, nonce, expiresAt))}`;
}

/** The token's nonce when it is ours, for this account and unexpired; null for anything else. */
export async function verifyDeviceToken(
  key: CryptoKey,
  accountHash: string,
  token: string | null | undefined,
  now: number,
): Promise<string | null> {
  const match = token ? TOKEN.exec(token) : null;
  if (!match) return null;
  const [, nonce, expiry, tag] = match as unknown as [string, string, string, string];
  const expiresAt = Number(expiry);
  if (expiresAt * 1000 <= now) return null;
  return (await macMatches(key, signed(accountHash, nonce, expiresAt), tag)) ? nonce : null;
}

const signed = (accountHash: string, nonce: string, expiresAt: number) =>
  `${accountHash}|${nonce}|${expiresAt}`;
