import { mac, macMatches } from '../edge/keys';
import { randomId, type RandomBytes } from '../edge/random';

/**
 * OWASP's "device cookies": a browser that has signed in to an account gets a signed token
 * for that account, and sign-ins presenting it are counted per device instead of per account.
 * Someone guessing Jon's password from elsewhere can then exhaust the account's allowance
 * without keeping Jon out of the browser he already uses. The token carries no secret and
 * grants nothing by itself; it only picks which counter a password attempt is charged to.
 *
 * Token: `<nonce>.<expiresAtSeconds>.<mac>`, the MAC over the account hash, nonce, expiry and
 * the account's password epoch, so a token cannot be moved to another account, extended, or
 * made up, and stops counting when the password changes (a browser that knew the old password
 * gets no allowance of its own for guessing the new one). The epoch is not in the token: the
 * verifier supplies it from the account, so a token cannot claim one.
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

/**
 * When the account's password was last set (users.passwordChangedAt, ms), or null when it
 * never changed. Null signs what tokens signed before the binding existed, so they keep
 * working until the account's first password change. An unknown username gets null too, like
 * an account whose password never changed: the throttle behaves alike for both.
 */
export type PasswordEpoch = number | null;

export interface IssueOptions {
  /** Milliseconds since the epoch. */
  readonly now: number;
  readonly random: RandomBytes;
  /** The account's password epoch now: the token stops verifying once it changes. */
  readonly passwordEpoch: PasswordEpoch;
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
  const tag = await mac(key, signed(accountHash, nonce, expiresAt, options.passwordEpoch));
  return `${nonce}.${expiresAt}.${tag}`;
}

/**
 * The token's nonce when it is ours, for this account, unexpired and minted under the account's
 * current password epoch; null for anything else.
 */
export async function verifyDeviceToken(
  key: CryptoKey,
  accountHash: string,
  token: string | null | undefined,
  now: number,
  passwordEpoch: PasswordEpoch,
): Promise<string | null> {
  const match = token ? TOKEN.exec(token) : null;
  if (!match) return null;
  const [, nonce, expiry, tag] = match as unknown as [string, string, string, string];
  const expiresAt = Number(expiry);
  if (expiresAt * 1000 <= now) return null;
  return (await macMatches(key, signed(accountHash, nonce, expiresAt, passwordEpoch), tag)) ? nonce : null;
}

/** Without an epoch, exactly what tokens minted before the binding signed. No part holds `|`. */
const signed = (accountHash: string, nonce: string, expiresAt: number, epoch: PasswordEpoch) =>
  epoch === null ? `${accountHash}|${nonce}|${expiresAt}` : `${accountHash}|${nonce}|${expiresAt}|${epoch}`;
