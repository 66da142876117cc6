/**
 * The revocation set: what closes the stateless token's hole. An access token verifies from
 * its signature alone, so a session ended a second ago would otherwise keep working until the
 * token expires (15 minutes by default). Instead, every reader of access tokens — the Edge
 * middleware, pages, route handlers, the bearer API — holds this small set in memory and asks
 * it about each verified token. No I/O per request: the set is refreshed in the background
 * every AUTH_REVOCATION_POLL seconds (lib/auth/revocation-feed.ts on the Node side, the feed
 * route for the middleware). Edge-safe: plain data structures, no Node APIs.
 *
 * Two kinds of entries, both from the database:
 *  - a session id with the time it was revoked (sign-out, revoke, reuse detection, …): every
 *    token of that session is refused;
 *  - a user id with a time `since` (ban, deletion, password reset): tokens of that user issued
 *    before `since` are refused, whatever their session.
 *
 * Only revocations younger than the access-token lifetime matter — every token issued before
 * then has expired anyway — so entries older than the horizon are dropped and the set stays
 * as small as the number of revocations in one token lifetime.
 */

/** The feed's wire format: `[id, ms]` pairs, compact for a response fetched every few seconds. */
export interface RevocationFeed {
  /** The feed's clock when it answered (ms): the next request's `since`. */
  readonly now: number;
  readonly sessions: readonly (readonly [id: string, revokedAt: number])[];
  readonly users: readonly (readonly [id: string, since: number])[];
}

/** What the set needs from a verified access token (AccessClaims has all three). */
export interface TokenIdentity {
  readonly sid: string;
  readonly sub: string;
  /** Issued at, seconds since the epoch. */
  readonly iat: number;
}

export class RevocationSet {
  private readonly sessions = new Map<string, number>();
  private readonly users = new Map<string, number>();

  /** True when tokens with this identity must be refused. */
  refuses(token: TokenIdentity): boolean {
    if (this.sessions.has(token.sid)) return true;
    const since = this.users.get(token.sub);
    // `iat` has whole seconds: a token issued in the same second as `since` passes, so the
    // session a password reset starts at once is not refused by its own reset. Tokens issued
    // just before it in that second belong to sessions the reset revoked one by one as well.
    return since !== undefined && token.iat < Math.floor(since / 1000);
  }

  /** Merges a feed answer (entries are only ever added; a later `since` wins). */
  apply(feed: Pick<RevocationFeed, 'sessions' | 'users'>): void {
    for (const [id, at] of feed.sessions) this.sessions.set(id, at);
    for (const [id, since] of feed.users) this.users.set(id, Math.max(since, this.users.get(id) ?? 0));
  }

  /** Forgets entries older than `cutoff` (ms): every token they could refuse has expired. */
  prune(cutoff: number): void {
    for (const [id, at] of this.sessions) if (at < cutoff) this.sessions.delete(id);
    for (const [id, since] of this.users) if (since < cutoff) this.users.delete(id);
  }

  get size(): number {
    return this.sessions.size + this.users.size;
  }
}

/**
 * Seconds past the access-token lifetime an entry is still kept: the server-side clock
 * tolerance, skew between instances, and a refresh that raced the revocation.
 */
export const HORIZON_MARGIN = 60;

/**
 * How far back a feed reaches for entries older than `since`: commit lag (a write that waited
 * for a lock) and clock skew between the instances that stamp `revoked_at`. Instances' clocks
 * must agree within this (NTP does far better); the cost is re-sending one minute of entries.
 */
export const FEED_OVERLAP_MS = 60_000;

/** The longest a request waits for a stale set to be refreshed before going on with what it has. */
export const STALE_WAIT_MS = 1000;

/** A feed that has not answered in this long has failed (a hung connection must not freeze the set). */
export const LOAD_TIMEOUT_MS = 5000;

export interface RevocationWatchOptions {
  /** Fetches the feed: everything since `since` (ms), or the whole horizon when null. Throws on failure. */
  readonly load: (since: number | null) => Promise<RevocationFeed>;
  readonly clock: () => number;
  /** AUTH_REVOCATION_POLL, seconds. */
  readonly pollSeconds: number;
  /** AUTH_ACCESS_TTL, seconds: entries are kept this long (plus HORIZON_MARGIN). */
  readonly accessTtl: number;
  /** Where "the feed could not be reached" goes; once per outage, and once when it is back. */
  readonly log: (line: string) => void;
  readonly staleWaitMs?: number;
  readonly loadTimeoutMs?: number;
}

export interface RevocationWatch {
  /**
   * The set to check a request against. Fresh (younger than the poll interval): at once, no
   * I/O. Older: at once too, with `background` refreshing it (hand it to waitUntil). Older than
   * twice the interval, or never loaded: waits up to STALE_WAIT_MS for a refresh first, then
   * goes on with the last known set (logged) — a feed outage must not stop the site. Once a
   * refresh has failed (or not answered within LOAD_TIMEOUT_MS), requests stop waiting and the
   * feed is tried once per interval, in the background, until it answers again.
   */
  current(): Promise<{ readonly set: RevocationSet; readonly background?: Promise<void> }>;
  /** Refreshes now (one at a time: callers during a refresh share it). Never rejects. */
  refresh(): Promise<void>;
  /**
   * Something was just revoked here: refresh now, and once more after a refresh already
   * running (it may have read before the revocation was written). Never rejects.
   */
  changed(): Promise<void>;
  /** When the set was last refreshed successfully (ms), null before the first. */
  readonly loadedAt: number | null;
  readonly set: RevocationSet;
}

export function createRevocationWatch(options: RevocationWatchOptions): RevocationWatch {
  const { clock, load, log } = options;
  const pollMs = options.pollSeconds * 1000;
  const horizonMs = (options.accessTtl + HORIZON_MARGIN) * 1000;
  const staleWaitMs = options.staleWaitMs ?? STALE_WAIT_MS;
  const loadTimeoutMs = options.loadTimeoutMs ?? LOAD_TIMEOUT_MS;
  const set = new RevocationSet();
  let loadedAt: number | null = null;
  /** The feed's own clock at its last answer: the next `since`. */
  let cursor: number | null = null;
  let inFlight: Promise<void> | null = null;
  /** When the last refresh failed; null while the feed answers. */
  let failedAt: number | null = null;

  /** A change reported while a refresh was running: run once more after it. */
  let again: Promise<void> | null = null;

  function refresh(): Promise<void> {
    inFlight ??= (async () => {
      try {
        const feed = await withTimeout(
          load(cursor === null ? null : cursor - FEED_OVERLAP_MS),
          loadTimeoutMs,
        );
        set.apply(feed);
        set.prune(feed.now - horizonMs);
        cursor = feed.now;
        loadedAt = clock();
        if (failedAt !== null) log('[gatehouse] revocation feed reachable again');
        failedAt = null;
      } catch (error) {
        if (failedAt === null) {
          const why = error instanceof Error ? error.message : String(error);
          log(
            `[gatehouse] revocation feed unreachable (${why}); going on with the set from ` +
              (loadedAt === null
                ? 'nowhere: none was ever loaded'
                : `${Math.round((clock() - loadedAt) / 1000)} s ago`),
          );
        }
        failedAt = clock();
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  }

  function changed(): Promise<void> {
    if (!inFlight) return refresh();
    again ??= inFlight.then(() => {
      again = null;
      return refresh();
    });
    return again;
  }

  async function current() {
    const now = clock();
    const age = loadedAt === null ? Infinity : now - loadedAt;
    if (age < pollMs) return { set };
    // While the feed is down, one try per interval, and no request waits for it: an outage
    // must cost the site nothing but the bound (logged once).
    if (failedAt !== null) {
      if (inFlight || now - failedAt < pollMs) return { set };
      return { set, background: refresh() };
    }
    const refreshing = refresh();
    if (age < 2 * pollMs) return { set, background: refreshing };
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      refreshing,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, staleWaitMs);
      }),
    ]);
    clearTimeout(timer);
    return { set, background: refreshing };
  }

  return {
    current,
    refresh,
    changed,
    set,
    get loadedAt() {
      return loadedAt;
    },
  };
}

/** The promise, or a rejection once `ms` have passed without it settling. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
