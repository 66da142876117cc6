import { mac, macMatches } from './keys';

/**
 * Values the middleware hands to the server in request headers (the client's address on its
 * refresh call, "the token endpoint was unavailable" on a page request) are signed with a key
 * derived from AUTH_SECRET, so a client that sends the same header gains nothing, on any path,
 * whether or not the middleware ran for it. Format: `<value>;<issued ms>;<mac>`. Edge-safe.
 */
export const MAX_INTERNAL_AGE_MS = 60_000;

/** Every inbound header with this prefix is stripped (server.ts, the middleware) before Next.js sees it. */
export const INTERNAL_HEADER_PREFIX = 'x-gatehouse-';

/**
 * Set by the middleware on the page request it forwards, signed: "the token endpoint could not
 * be reached" — the session may be fine, so the page shows "try again", not a sign-in.
 */
export const AUTH_STATE_HEADER = 'x-gatehouse-auth';
export const AUTH_UNAVAILABLE = 'unavailable';

/**
 * The client's address on the middleware's refresh call to the token endpoint, signed.
 * Without it every refresh would be recorded, and throttled, as coming from the middleware's
 * own 127.0.0.1. server.ts keeps this one inbound header from any peer (AUTH_INTERNAL_URL may
 * be another host): it counts only with a valid MAC, made within the last minute.
 */
export const CLIENT_ADDRESS_HEADER = 'x-gatehouse-client';

/**
 * The middleware's poll of the revocation feed (GET /api/auth/revocations), signed: the feed
 * answers only this, and "not found" to anyone else. Kept by server.ts like the client address
 * (checked by its MAC); the signed value is REVOCATION_FEED_VALUE.
 */
export const REVOCATION_FEED_HEADER = 'x-gatehouse-feed';
export const REVOCATION_FEED_VALUE = 'revocations';

/** Internal headers server.ts lets through from a peer: each is believed only with a valid MAC. */
export const SIGNED_INBOUND_HEADERS: readonly string[] = [CLIENT_ADDRESS_HEADER, REVOCATION_FEED_HEADER];

/**
 * The path (and query) of the page request, set by the middleware so a page's requireUser()
 * can send the visitor back to it after signing in. Not signed: it is only ever a redirect
 * target, and safeNextPath() refuses anything that is not a local path.
 */
export const PAGE_PATH_HEADER = 'x-gatehouse-path';

export async function signInternal(
  key: CryptoKey,
  purpose: string,
  value: string,
  now: number,
): Promise<string> {
  return `${value};${now};${await mac(key, `${purpose}\n${value}\n${now}`, 16)}`;
}

/** The value if the header was signed by us for this purpose within the last minute, else null. */
export async function verifyInternal(
  key: CryptoKey,
  purpose: string,
  header: string | null | undefined,
  now: number,
): Promise<string | null> {
  if (!header || header.length > 300) return null;
  const parts = header.split(';');
  if (parts.length !== 3) return null;
  const [value, issued, sig] = parts as [string, string, string];
  if (!/^\d{1,15}$/.test(issued)) return null;
  const age = now - Number(issued);
  if (age < -5_000 || age > MAX_INTERNAL_AGE_MS) return null;
  return (await macMatches(key, `${purpose}\n${value}\n${issued}`, sig, 16)) ? value : null;
}
