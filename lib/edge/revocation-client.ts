import { REVOCATION_FEED_HEADER, REVOCATION_FEED_VALUE, signInternal } from './internal-header';
import type { RevocationFeed } from './revocations';

/**
 * The middleware's poll of the revocation feed on the Node side (GET /api/auth/revocations at
 * AUTH_INTERNAL_URL, never at the request's Host). Edge-safe. Signed with the internal key, as
 * the refresh call's client address is; anything but a well-formed answer is a failure, and
 * the watch (lib/edge/revocations.ts) goes on with the set it has.
 */
export const FEED_TIMEOUT_MS = 2000;
export const FEED_PATH = '/api/auth/revocations';

export interface FeedClientOptions {
  readonly internalUrl: string;
  /** keyring.macs.internal */
  readonly key: CryptoKey;
  readonly now: () => number;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

export function feedLoader(options: FeedClientOptions): (since: number | null) => Promise<RevocationFeed> {
  const doFetch = options.fetch ?? fetch;
  return async (since) => {
    const url = new URL(FEED_PATH, options.internalUrl);
    if (since !== null) url.searchParams.set('since', String(Math.max(0, Math.floor(since))));
    const response = await doFetch(url, {
      headers: {
        accept: 'application/json',
        [REVOCATION_FEED_HEADER]: await signInternal(
          options.key,
          REVOCATION_FEED_HEADER,
          REVOCATION_FEED_VALUE,
          options.now(),
        ),
      },
      signal: AbortSignal.timeout(options.timeoutMs ?? FEED_TIMEOUT_MS),
      cache: 'no-store',
      redirect: 'manual',
    });
    if (response.status !== 200) throw new Error(`the feed answered ${response.status}`);
    const feed = parseFeed(await response.json().catch(() => null));
    if (!feed) throw new Error('the feed answered something that is not a feed');
    return feed;
  };
}

/** The feed's body, checked entry by entry (the set must never hold a non-string id). */
export function parseFeed(body: unknown): RevocationFeed | null {
  if (typeof body !== 'object' || body === null) return null;
  const { now, sessions, users } = body as Record<string, unknown>;
  if (typeof now !== 'number' || !Number.isFinite(now)) return null;
  const pairs = (value: unknown) =>
    Array.isArray(value) &&
    value.every(
      (e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'number',
    );
  if (!pairs(sessions) || !pairs(users)) return null;
  return { now, sessions: sessions as RevocationFeed['sessions'], users: users as RevocationFeed['users'] };
}
