import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { AccessClaims } from '../edge/access-token';
import { systemClock, type Clock } from '../edge/clock';
import type { AuthConfig } from '../edge/config';
import { bearerToken, readAuthCookieHeader } from '../edge/cookies';
import { InvalidTokenError, isAuthError, UnavailableError } from '../edge/errors';
import {
  AUTH_STATE_HEADER,
  AUTH_UNAVAILABLE,
  CLIENT_ADDRESS_HEADER,
  REVOCATION_FEED_HEADER,
  REVOCATION_FEED_VALUE,
  verifyInternal,
} from '../edge/internal-header';
import { createRevocationWatch, type RevocationFeed, type RevocationWatch } from '../edge/revocations';
import { keyringFor } from '../edge/keys';
import { cryptoRandom, type RandomBytes } from '../edge/random';
import { createAccount, type Account } from './account';
import { createAdminConsole, type AdminConsole } from './admin';
import type { CoreDeps } from './core-deps';
import { limitHashing } from './hash-limit';
import { createPasskeys, type Passkeys } from './passkeys';
import { createPasswordLinks, type PasswordLinks } from './password-links';
import { reportingRevocations, storeFeed } from './revocation-feed';
import { createArgon2Hasher, type PasswordHasher } from './passwords';
import { createSessionService, type RequestMeta, type SessionService } from './sessions';
import type { Store } from './store';
import { createThrottle, type CounterSource } from './throttle';
import { createTwoFactor, type TwoFactor } from './two-factor';
import { createViews, type Views } from './views';

/**
 * One assembled Gatehouse, and the only way the rest of the app reaches the core. Its store,
 * keys, hasher and clock are private: callers get services (sessions), the one reader of "who is
 * signed in" (authenticate) and read models for pages (views). Built from explicit parts so
 * tests can freeze the clock and use a throwaway database; lib/server/runtime.ts builds the
 * process-wide one from the environment.
 */
export interface Gatehouse {
  readonly config: AuthConfig;
  /**
   * Sign-in, refresh, sign-out. "Who is signed in?" is not here: authenticate() and confirm()
   * are its only answers, so no caller verifies a token with a policy of its own.
   */
  readonly sessions: Pick<SessionService, 'login' | 'refresh' | 'logout'>;
  readonly views: Views;
  /** A signed-in user's own sessions and password (lib/auth/account.ts). */
  readonly account: Account;
  /** What admins do to accounts, checked and audited (lib/auth/admin.ts). */
  readonly admin: AdminConsole;
  /** One-time password links: reset and invitation (lib/auth/password-links.ts). */
  readonly passwordLinks: PasswordLinks;
  /** The authenticator-app second factor and the second sign-in step (lib/auth/two-factor.ts). */
  readonly twoFactor: TwoFactor;
  /** Passkey sign-in, and a signed-in user's passkeys (lib/auth/passkeys.ts). */
  readonly passkeys: Passkeys;
  /**
   * Who is signed in by these request headers: `Authorization: Bearer` when present (and then
   * only it), else the access cookie; verified from the token alone, no I/O. Null when there
   * is no credential. Throws InvalidTokenError for a credential that does not verify, and
   * UnavailableError when the middleware signed "the token endpoint did not answer" for this
   * request (the session may be fine: not the same as signed out).
   */
  authenticate(headers: Headers): Promise<SignedIn | null>;
  /**
   * As authenticate, then checked against the database: the session is live and the user
   * active, with their name and admin flag as they are now. InvalidTokenError('revoked') when
   * the session or account has ended; UnavailableError when the database did not answer.
   */
  confirm(signedIn: SignedIn): Promise<SignedIn>;
  /** Address and user agent of a request (the middleware's relayed address when signed). */
  requestMeta(headers: Headers): Promise<RequestMeta>;
  /** The revocation set of this process and the feed the middleware polls (lib/edge/revocations.ts). */
  readonly revocations: Revocations;
}

export interface Revocations {
  /**
   * The feed for GET /api/auth/revocations: revocations since `since` (ms; the whole access-token
   * lifetime when null), read from the database. Null unless `headers` carry the middleware's
   * signed feed header: anyone else gets nothing.
   */
  feed(headers: Headers, since: number | null): Promise<RevocationFeed | null>;
  /** Refreshes this process's set now (the first load at start, then the poll). Never rejects. */
  refresh(): Promise<void>;
  /**
   * Refreshes the set every AUTH_REVOCATION_POLL seconds until the returned function is
   * called; a long-lived server starts it once (lib/server/startup.ts). Tests drive refresh().
   */
  poll(): () => void;
  /** Revocations held in memory now (sessions + users). */
  readonly size: number;
}

/** The signed-in user and their session, as the access token states them. */
export interface SignedIn {
  readonly user: { readonly id: string; readonly name: string; readonly admin: boolean };
  readonly session: {
    readonly id: string;
    /** The access token's `jti`. */
    readonly tokenId: string;
    /** When the access token was issued and expires, ms since the epoch. */
    readonly issuedAt: number;
    readonly expiresAt: number;
    /** How this session was signed in (RFC 8176 `amr`): `mfa` in it means more than one factor. */
    readonly amr: readonly string[];
  };
}

export interface GatehouseParts {
  readonly config: AuthConfig;
  readonly store: Store;
  /**
   * Where the sign-in counters live. Every instance must share them (lib/store/limiters.ts:
   * the database or Redis); the in-process default is for tests and single-process tools.
   */
  readonly counters?: CounterSource;
  readonly clock?: Clock;
  readonly random?: RandomBytes;
  readonly hasher?: PasswordHasher;
}

/** Counters in this process only: for tests and tools, never for a server that scales out. */
export const processCounters: () => CounterSource = () => ({ limiter: (o) => new RateLimiterMemory(o) });

/**
 * Seconds an access token is still accepted past `exp` by server-side checks. The middleware
 * refreshes at the exact expiry; this covers the moment between its check and the page's own
 * (and small clock skew between instances), so a render never fails on a token the middleware
 * just let through. Only authenticate() applies it: no caller has to remember it.
 */
const SERVER_CLOCK_TOLERANCE = 5;

function signedInFrom(claims: AccessClaims): SignedIn {
  return {
    user: { id: claims.sub, name: claims.name, admin: claims.admin },
    session: {
      id: claims.sid,
      tokenId: claims.jti,
      issuedAt: claims.iat * 1000,
      expiresAt: claims.exp * 1000,
      amr: claims.amr,
    },
  };
}

export async function createGatehouse(parts: GatehouseParts): Promise<Gatehouse> {
  const { config } = parts;
  // Every write that revokes something refreshes this process's set at once (the store
  // decides what "revoked" means: lib/auth/revocation-feed.ts).
  let watch: RevocationWatch | null = null;
  const store = reportingRevocations(parts.store, () => void watch?.changed());
  const keyring = await keyringFor(config.secret, config.previousSecrets);
  const clock = parts.clock ?? systemClock;
  const random = parts.random ?? cryptoRandom;
  // A ceiling on concurrent hashes, so a flood of sign-ins queues briefly or gets 503 instead
  // of taking the memory and the thread pool from signed-in users.
  const hasher = limitHashing(parts.hasher ?? createArgon2Hasher(), {
    concurrency: config.hashConcurrency,
    queue: config.hashQueue,
  });
  const throttle = createThrottle({
    counters: parts.counters ?? processCounters(),
    keys: keyring.macs,
    config: config.throttle,
    cookieSecure: config.cookieSecure,
    clock,
    random,
  });
  const sessions = createSessionService({ config, keyring, store, hasher, throttle, clock, random });
  const feed = storeFeed(store, clock, config.accessTtl);
  watch =
    config.revocationPoll > 0
      ? createRevocationWatch({
          load: feed,
          clock,
          pollSeconds: config.revocationPoll,
          accessTtl: config.accessTtl,
          log: console.warn,
        })
      : null;

  /** The token's claims, unless its session or user was revoked: the same rule as the middleware's. */
  async function unrevoked(claims: AccessClaims): Promise<AccessClaims> {
    if (!watch) return claims;
    const { set } = await watch.current();
    if (set.refuses(claims)) throw new InvalidTokenError('revoked', 'the session has ended');
    return claims;
  }

  async function authenticate(headers: Headers): Promise<SignedIn | null> {
    const bearer = bearerToken(headers);
    if (bearer === '') throw new InvalidTokenError('malformed', 'Authorization must be "Bearer <token>"');
    // A duplicated cookie counts as none, as in the middleware (lib/edge/cookies.ts).
    const token = bearer ?? readAuthCookieHeader(headers.get('cookie'), config.cookieNames).access;
    if (token) {
      return signedInFrom(
        await unrevoked(await sessions.verifyAccess(token, { clockTolerance: SERVER_CLOCK_TOLERANCE })),
      );
    }
    // Believed only when the middleware signed it: a client sending the header gets nothing.
    const state = await verifyInternal(
      keyring.macs.internal,
      AUTH_STATE_HEADER,
      headers.get(AUTH_STATE_HEADER),
      clock(),
    );
    if (state === AUTH_UNAVAILABLE)
      throw new UnavailableError('the token endpoint did not answer the middleware');
    return null;
  }

  async function confirm(signedIn: SignedIn): Promise<SignedIn> {
    try {
      const user = await sessions.confirm(signedIn.session.id, signedIn.user.id);
      return { ...signedIn, user: { id: user.id, name: user.name, admin: user.admin } };
    } catch (error) {
      if (isAuthError(error)) throw error;
      throw new UnavailableError('the database did not answer', { cause: error });
    }
  }

  async function requestMeta(headers: Headers): Promise<RequestMeta> {
    // The middleware's refresh call arrives from 127.0.0.1 and carries the browser's address,
    // signed with a key only it and this server hold. Anyone else's X-Forwarded-For was
    // rewritten by server.ts from the socket (or a trusted proxy's word).
    const relayed = await verifyInternal(
      keyring.macs.internal,
      CLIENT_ADDRESS_HEADER,
      headers.get(CLIENT_ADDRESS_HEADER),
      clock(),
    );
    const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    const ip = relayed || forwarded || null;
    const userAgent = headers.get('user-agent');
    return { ip: ip ? ip.slice(0, 64) : null, userAgent: userAgent ? userAgent.slice(0, 256) : null };
  }

  const revocations: Revocations = {
    async feed(headers, since) {
      const signed = await verifyInternal(
        keyring.macs.internal,
        REVOCATION_FEED_HEADER,
        headers.get(REVOCATION_FEED_HEADER),
        clock(),
      );
      if (signed !== REVOCATION_FEED_VALUE) return null;
      return feed(since);
    },
    refresh: async () => watch?.refresh(),
    poll() {
      if (!watch) return () => undefined;
      const w = watch;
      const timer = setInterval(() => void w.refresh(), config.revocationPoll * 1000);
      timer.unref?.();
      return () => clearInterval(timer);
    },
    get size() {
      return watch?.set.size ?? 0;
    },
  };

  const deps: CoreDeps = { config, keyring, store, hasher, throttle, clock, random, sessions };
  const passwordLinks = createPasswordLinks(deps);
  return {
    config,
    sessions,
    views: createViews(store),
    account: createAccount(deps),
    admin: createAdminConsole(deps, passwordLinks),
    passwordLinks,
    twoFactor: createTwoFactor(deps),
    passkeys: createPasskeys(deps),
    authenticate,
    confirm,
    requestMeta,
    revocations,
  };
}
