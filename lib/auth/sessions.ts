import { signAccessToken, verifyAccessToken, type AccessClaims } from '../edge/access-token';
import type { Clock } from '../edge/clock';
import type { AuthConfig } from '../edge/config';
import {
  hasCode,
  InvalidCredentialsError,
  InvalidGrantError,
  InvalidTokenError,
  type InvalidGrantReason,
} from '../edge/errors';
import type { Keyring } from '../edge/keys';
import type { PasswordHasher } from './passwords';
import { randomId, type RandomBytes } from '../edge/random';
import { sealRefreshToken, unsealRefreshToken, type RefreshPayload } from '../edge/refresh-token';
import type { DeviceCookie, Throttle } from './throttle';
import { beginMfaStep, needsSecondStep } from './mfa-steps';
import type { AuthEventType, AuthMethod, RevokeReason, Session, Store, User } from './store';

/**
 * The sessions service: sign-in, refresh with rotation and reuse detection, sign-out. It owns
 * every rule about sessions and knows nothing of HTTP or Next.js; everything it depends on,
 * including the clock and randomness, comes in as an argument.
 */
export interface SessionDeps {
  readonly config: AuthConfig;
  readonly keyring: Keyring;
  readonly store: Store;
  readonly hasher: PasswordHasher;
  readonly throttle: Throttle;
  readonly clock: Clock;
  readonly random: RandomBytes;
}

/** Who is asking; recorded on the session and in the audit trail, never trusted for access. */
export interface RequestMeta {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface PublicUser {
  readonly id: string;
  readonly username: string;
  readonly name: string;
  readonly admin: boolean;
}

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires, as OAuth's `expires_in`. */
  readonly expiresIn: number;
  /** ms since the epoch; the access cookie should expire with the token. */
  readonly accessExpiresAt: number;
  /** ms since the epoch; the refresh cookie lives until the session would idle out. */
  readonly refreshExpiresAt: number;
  readonly sessionId: string;
  /** ms since the epoch: when this pair was issued (cookie lifetimes count from here). */
  readonly issuedAt: number;
  readonly user: PublicUser;
  /** Set after a password sign-in: the device cookie that exempts this browser from the account limit. */
  readonly device?: DeviceCookie;
}

/** How a session was signed in: its `amr` and the audit trail's words for it. */
export interface SignInMethod {
  readonly amr: readonly AuthMethod[];
  /** `login_ok`'s detail: "password", "password + authenticator code", "passkey (synced)". */
  readonly detail: string;
}

export const PASSWORD_SIGN_IN: SignInMethod = { amr: ['pwd'], detail: 'password' };

export interface LoginOptions {
  /** The request's cookie of this name (the device cookie); none for non-browser callers. */
  readonly readCookie?: (name: string) => string | undefined;
}

export interface SessionService {
  /**
   * Password sign-in, throttled before any hashing (TooManyAttemptsError, 429) per account,
   * per (account, address) and per address; the answer for an unknown user, a wrong password
   * and a disabled account is the same InvalidCredentialsError.
   */
  login(username: string, password: string, meta: RequestMeta, options?: LoginOptions): Promise<TokenPair>;
  refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair>;
  /** Revokes the session the tokens belong to; succeeds quietly when they are already dead. */
  logout(
    tokens: { refreshToken?: string | null; accessToken?: string | null },
    meta: RequestMeta,
  ): Promise<void>;
  /** Pure token check, no I/O. */
  verifyAccess(
    token: string | null | undefined,
    options?: { clockTolerance?: number },
  ): Promise<AccessClaims>;
  /**
   * For sensitive surfaces (admin): checks a verified token's session and user in the
   * database, so revocation, bans and lost admin rights count at once rather than at the next
   * refresh. Returns the user as the database has it now.
   */
  confirm(sessionId: string, userId: string): Promise<PublicUser>;
  /**
   * A new session for a user whose identity was proven some other way than a password typed
   * here (a one-time password link, a passkey, the second step): no password check, no
   * throttle, same tokens and audit. Every caller has checked every factor the user has.
   */
  startSessionFor(user: User, meta: RequestMeta, how?: SignInMethod): Promise<TokenPair>;
}

export function toPublicUser(user: User): PublicUser {
  return { id: user.id, username: user.username, name: user.displayName, admin: user.admin };
}

export function createSessionService(deps: SessionDeps): SessionService {
  const { config, keyring, store, hasher, throttle, clock, random } = deps;
  const policy = { issuer: config.issuer, audience: config.audience };
  // Concurrent refreshes of the same (sid, gen) in this process share one promise: a burst of
  // parallel requests or prefetches costs one database write and gets one consistent answer.
  const inFlight = new Map<string, Promise<TokenPair>>();

  const event = (
    type: AuthEventType,
    meta: RequestMeta,
    fields: { userId?: string | null; sessionId?: string | null; detail?: string | null },
  ) =>
    store.recordEvent({
      at: clock(),
      type,
      userId: fields.userId ?? null,
      sessionId: fields.sessionId ?? null,
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: fields.detail ?? null,
    });

  async function issue(user: User, session: Session, gen: number, now: number): Promise<TokenPair> {
    const accessExpiresAt = Math.min(now + config.accessTtl * 1000, session.absoluteExpiresAt);
    const [accessToken, refreshToken] = await Promise.all([
      signAccessToken(keyring, policy, {
        sub: user.id,
        sid: session.id,
        name: user.displayName,
        admin: user.admin,
        amr: session.amr,
        jti: randomId(random),
        now,
        expiresAt: accessExpiresAt,
      }),
      sealRefreshToken(keyring, { sid: session.id, gen, sub: user.id }),
    ]);
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: Math.max(0, Math.floor((accessExpiresAt - now) / 1000)),
      accessExpiresAt,
      refreshExpiresAt: Math.min(session.idleExpiresAt, session.absoluteExpiresAt),
      sessionId: session.id,
      issuedAt: now,
      user: toPublicUser(user),
    };
  }

  async function login(
    username: string,
    password: string,
    meta: RequestMeta,
    options: LoginOptions = {},
  ): Promise<TokenPair> {
    // The account first, for its password epoch: device cookies minted under an earlier
    // password no longer count (device-cookie.ts). Known and unknown names cost the same lookup,
    // and an unknown one gets the epoch of an account whose password never changed.
    const found = await store.findUserByUsername(username);
    // Charged before the password is hashed, so a parallel burst cannot outrun the counters.
    const attempt = await throttle.begin({
      username,
      ip: meta.ip,
      readCookie: options.readCookie ?? (() => undefined),
      passwordEpoch: found?.passwordChangedAt ?? null,
    });
    let user: User;
    try {
      user = await verifyCredentials(found, password, meta, attempt.account);
    } catch (error) {
      // A wrong password stays counted; a busy hasher or a failing database tested nothing.
      await (hasCode(error, 'invalid_credentials') ? attempt.failed() : attempt.abandoned());
      throw error;
    }
    if (hasher.needsRehash(user.passwordHash)) {
      await store.updateUser(user.id, { passwordHash: await hasher.hash(password) }, clock());
    }
    if (await needsSecondStep(store, user)) {
      // The password was right, but it is one factor of two: the attempt is refunded without
      // resetting any count or minting a device cookie (the second step does both, once the
      // code is right), and the caller gets a step token instead of a session.
      await attempt.abandoned();
      return beginMfaStep({ store, clock, random }, user, ['pwd']);
    }
    const device = await attempt.succeeded();
    return { ...(await startSessionFor(user, meta, PASSWORD_SIGN_IN)), device };
  }

  /** `accountHash` is the throttle's keyed hash of the name, reused for the audit trail. */
  async function verifyCredentials(
    user: User | null,
    password: string,
    meta: RequestMeta,
    accountHash: string,
  ): Promise<User> {
    if (!user) {
      // Same work as a real check, so response time does not reveal which usernames exist.
      await hasher.verifyDummy(password);
      // People type passwords into the username field: what matched no account is kept only
      // as a keyed hash, which still lets an admin see one name tried a thousand times.
      await event('login_failed', meta, { detail: `unknown username #${accountHash.slice(0, 16)}` });
      throw new InvalidCredentialsError();
    }
    const passwordOk = await hasher.verify(user.passwordHash, password);
    if (!passwordOk || user.status !== 'active') {
      // A disabled account answers exactly like a wrong password, so a script cannot use it
      // to confirm a password it guessed. The audit trail keeps the difference.
      const detail = passwordOk ? 'account banned' : 'wrong password';
      await event('login_failed', meta, { userId: user.id, detail });
      throw new InvalidCredentialsError();
    }
    return user;
  }

  async function startSessionFor(
    user: User,
    meta: RequestMeta,
    how: SignInMethod = PASSWORD_SIGN_IN,
  ): Promise<TokenPair> {
    const now = clock();
    await endLeastRecentlyUsed(user, now, meta);
    const absoluteExpiresAt = now + config.sessionMaxAge * 1000;
    const session = await store.createSession({
      id: randomId(random),
      userId: user.id,
      now,
      idleExpiresAt: Math.min(now + config.refreshTtl * 1000, absoluteExpiresAt),
      absoluteExpiresAt,
      userAgent: meta.userAgent,
      ip: meta.ip,
      // The password as it was checked: one changed (or an account banned or deleted) since
      // then gets no session, rather than one the revocation that just ran missed.
      passwordEpoch: user.passwordChangedAt,
      amr: how.amr,
    });
    if (!session) throw new InvalidCredentialsError();
    await event('login_ok', meta, { userId: user.id, sessionId: session.id, detail: how.detail });
    return issue(user, session, session.gen, now);
  }

  /**
   * At most config.maxSessions live sessions per user: a new sign-in beyond the cap ends the
   * ones used least recently (last refresh), so a script signing in in a loop cannot grow the
   * table without bound and a forgotten device eventually drops off.
   */
  async function endLeastRecentlyUsed(user: User, now: number, meta: RequestMeta): Promise<void> {
    const live = (await store.listSessions(user.id)).filter(
      (s) => now < s.idleExpiresAt && now < s.absoluteExpiresAt,
    );
    const excess = live.length - config.maxSessions + 1;
    if (excess <= 0) return;
    const oldest = [...live]
      .sort((a, b) => a.rotatedAt - b.rotatedAt || a.createdAt - b.createdAt)
      .slice(0, excess);
    for (const session of oldest) {
      if (await store.revokeSession(session.id, 'session_limit', now)) {
        await event('revoke', meta, {
          userId: user.id,
          sessionId: session.id,
          detail: `session limit (${config.maxSessions}): least recently used session ended`,
        });
      }
    }
  }

  async function reject(
    reason: InvalidGrantReason,
    session: Session,
    meta: RequestMeta,
    revoke?: RevokeReason,
    detail?: string,
  ): Promise<never> {
    if (revoke && (await store.revokeSession(session.id, revoke, clock()))) {
      await event(revoke === 'reuse_detected' ? 'reuse_detected' : 'revoke', meta, {
        userId: session.userId,
        sessionId: session.id,
        detail: detail ?? revoke,
      });
    }
    throw new InvalidGrantError(reason);
  }

  async function refreshOnce(token: RefreshPayload, meta: RequestMeta): Promise<TokenPair> {
    let session = await store.findSession(token.sid);
    if (!session) throw new InvalidGrantError('unknown_session');
    if (session.userId !== token.sub) throw new InvalidGrantError('subject_mismatch');
    if (session.revokedAt !== null) throw new InvalidGrantError('revoked');

    const now = clock();
    if (now >= session.absoluteExpiresAt) throw new InvalidGrantError('absolute_expired');
    if (now >= session.idleExpiresAt) throw new InvalidGrantError('idle_expired');

    // The user is checked on every refresh, so a ban or deletion lands within one access TTL.
    const user = await store.findUserById(session.userId);
    if (!user || user.deletedAt !== null) return reject('user_inactive', session, meta, 'user_deleted');
    if (user.status !== 'active') return reject('user_inactive', session, meta, 'user_banned');
    // Older than the user's cut-off (a reset, a ban lifted since): over, whatever its own row says.
    if (user.revokedBefore !== null && session.createdAt < user.revokedBefore) {
      return reject('revoked', session, meta, 'admin', 'older than the account’s cut-off');
    }

    if (token.gen === session.gen) {
      const idleExpiresAt = Math.min(now + config.refreshTtl * 1000, session.absoluteExpiresAt);
      if (await store.rotateSession(session.id, token.gen, { rotatedAt: now, idleExpiresAt })) {
        await event('refresh', meta, { userId: user.id, sessionId: session.id });
        return issue(
          user,
          { ...session, gen: token.gen + 1, rotatedAt: now, idleExpiresAt },
          token.gen + 1,
          now,
        );
      }
      // Another process rotated between our read and our write: judge again against the
      // fresh row, which now sees this token as one generation behind.
      const fresh = await store.findSession(session.id);
      if (!fresh || fresh.revokedAt !== null) throw new InvalidGrantError('revoked');
      session = fresh;
    }

    const withinGrace = now - session.rotatedAt <= config.refreshGrace * 1000;
    if (token.gen === session.gen - 1 && withinGrace) {
      // Concurrent use of the token just rotated away (tabs, prefetches, parallel requests):
      // hand out the current generation without rotating again.
      return issue(user, session, session.gen, now);
    }
    // An old token after the grace window means two parties hold the refresh token: one of
    // them stole it. Revoke the whole session; both must sign in again.
    return reject(
      'reuse_detected',
      session,
      meta,
      'reuse_detected',
      `presented gen ${token.gen}, current ${session.gen}`,
    );
  }

  async function refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
    // Refresh tokens cannot be guessed, but an address sending nothing but dead ones is noise
    // worth telling apart: refused refreshes are counted, and past the limit a refused one is
    // answered 429. A good token is never refused, so a neighbour behind the same NAT sending
    // garbage cannot sign anyone else out.
    try {
      return await refreshCounted(refreshToken, meta);
    } catch (error) {
      if (hasCode(error, 'invalid_grant')) {
        await throttle.refreshFailed(meta.ip);
        await throttle.checkRefresh(meta.ip);
      }
      throw error;
    }
  }

  async function refreshCounted(refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
    const token = await unsealRefreshToken(keyring, refreshToken);
    const key = `${token.sid}:${token.gen}`;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = refreshOnce(token, meta).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  async function logout(
    tokens: { refreshToken?: string | null; accessToken?: string | null },
    meta: RequestMeta,
  ): Promise<void> {
    let target: { sid: string; sub: string } | undefined;
    if (tokens.refreshToken) {
      target = await unsealRefreshToken(keyring, tokens.refreshToken).catch(() => undefined);
    }
    if (!target && tokens.accessToken) {
      // A just-expired access token still identifies the session to end.
      target = await verifyAccessToken(tokens.accessToken, keyring, policy, {
        now: clock(),
        clockTolerance: config.accessTtl,
      }).catch(() => undefined);
    }
    if (!target) return;
    const session = await store.findSession(target.sid);
    if (!session || session.userId !== target.sub) return;
    if (await store.revokeSession(session.id, 'logout', clock())) {
      await event('logout', meta, { userId: session.userId, sessionId: session.id });
    }
  }

  async function confirm(sessionId: string, userId: string): Promise<PublicUser> {
    const session = await store.findSession(sessionId);
    if (
      !session ||
      session.userId !== userId ||
      session.revokedAt !== null ||
      clock() >= session.absoluteExpiresAt
    ) {
      throw new InvalidTokenError('revoked', 'the session has ended');
    }
    const user = await store.findUserById(userId);
    if (!user || user.deletedAt !== null || user.status !== 'active') {
      throw new InvalidTokenError('revoked', 'the account is disabled');
    }
    return toPublicUser(user);
  }

  return {
    login,
    refresh,
    logout,
    confirm,
    startSessionFor,
    verifyAccess: (token, options) =>
      verifyAccessToken(token, keyring, policy, { now: clock(), clockTolerance: options?.clockTolerance }),
  };
}
