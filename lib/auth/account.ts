import { eventRecorder } from './audit';
import { InvalidRequestError, InvalidTokenError, WeakPasswordError, NotFoundError } from '../edge/errors';
import type { CoreDeps } from './core-deps';
import { setPassword } from './credentials';
import { checkPasswordAgain } from './reauthenticate';
import { deviceName } from './device-name';
import type { SignedIn } from './gatehouse';
import { checkPasswordPolicy } from './password-policy';
import { MAX_PASSWORD_LENGTH } from './passwords';
import type { PublicUser, RequestMeta } from './sessions';
import type { Session } from './store';
import type { DeviceCookie } from './throttle';

/**
 * A signed-in user's own account: their sessions and their password (the account page and
 * /api/auth/sessions, /api/auth/password). Every method first confirms in the database that
 * the caller's session is still live and the account active: a token whose session was
 * revoked a moment ago (from another browser, by an admin) must not manage sessions or change
 * the password, even while the token itself has not expired.
 *
 * Another user's session, an unknown id and a session that has already ended are one and the
 * same NotFoundError: the answer says nothing about sessions that are not the caller's.
 */
export interface Account {
  /** Name and username, for the account page (the username is not in the token). */
  profile(signedIn: SignedIn): Promise<AccountProfile>;
  /** The user's live sessions, newest first, the caller's own marked `current`. */
  list(signedIn: SignedIn): Promise<AccountSession[]>;
  /** Ends one of the user's live sessions (NotFoundError otherwise); says whether it was the caller's. */
  revoke(signedIn: SignedIn, sessionId: string, meta: RequestMeta): Promise<{ readonly current: boolean }>;
  /** Ends every live session of the user but the caller's; returns how many. */
  revokeOthers(signedIn: SignedIn, meta: RequestMeta): Promise<number>;
  /** Ends every live session of the user, the caller's included. */
  revokeAll(signedIn: SignedIn, meta: RequestMeta): Promise<void>;
  /**
   * Replaces the password, given the current one. Throttled exactly like sign-in (a stolen
   * session must not become an unlimited password oracle): InvalidCredentialsError for a
   * wrong current password, counted; TooManyAttemptsError past the limits. The policy
   * applies (WeakPasswordError, nothing changed, nothing counted). Every other session ends;
   * this one stays. Returns a fresh device cookie for this browser: the old ones (this
   * browser's included) stopped counting with the old password.
   */
  changePassword(
    signedIn: SignedIn,
    passwords: { readonly current: string; readonly next: string },
    meta: RequestMeta,
    readCookie: (name: string) => string | undefined,
  ): Promise<{ readonly device: DeviceCookie; readonly revoked: number }>;
}

export interface AccountProfile {
  readonly username: string;
  readonly name: string;
}

export interface AccountSession {
  readonly id: string;
  /** The session of the request asking. */
  readonly current: boolean;
  /** ms since the epoch */
  readonly createdAt: number;
  /** ms since the epoch: the last sign-in or refresh. */
  readonly lastActiveAt: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** "Chrome 131 on macOS", from the user agent. */
  readonly device: string;
  /** How it was signed in (RFC 8176 `amr`). */
  readonly amr: readonly string[];
}

/** What randomId() makes, with room to spare; anything else cannot be a session id. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isSessionIdShaped(id: string): boolean {
  return SESSION_ID.test(id);
}

const isLive = (session: Session, now: number) =>
  session.revokedAt === null && now < session.idleExpiresAt && now < session.absoluteExpiresAt;

export function createAccount(deps: CoreDeps): Account {
  const { store, hasher, clock, sessions } = deps;

  /** The caller's session, live now per the database; InvalidTokenError('revoked') otherwise. */
  const confirm = (signedIn: SignedIn): Promise<PublicUser> =>
    sessions.confirm(signedIn.session.id, signedIn.user.id);

  const event = eventRecorder(store, clock);

  const notFound = () => new NotFoundError('no such session');

  /** Ends these sessions one by one, each with its own audit event; returns how many it ended. */
  async function end(signedIn: SignedIn, targets: readonly Session[], meta: RequestMeta, detail: string) {
    const now = clock();
    let ended = 0;
    for (const target of targets) {
      if (!(await store.revokeSession(target.id, 'user', now))) continue; // ended meanwhile
      ended++;
      const where = target.id === signedIn.session.id ? 'in this session' : 'from another session';
      await event('revoke', meta, signedIn.user.id, target.id, `${detail} ${where}`);
    }
    return ended;
  }

  async function liveSessions(userId: string): Promise<Session[]> {
    const now = clock();
    return (await store.listSessions(userId)).filter((s) => isLive(s, now));
  }

  return {
    async profile(signedIn) {
      const user = await confirm(signedIn);
      return { username: user.username, name: user.name };
    },

    async list(signedIn) {
      await confirm(signedIn);
      return (await liveSessions(signedIn.user.id)).map((s) => ({
        id: s.id,
        current: s.id === signedIn.session.id,
        createdAt: s.createdAt,
        lastActiveAt: s.rotatedAt,
        ip: s.ip,
        userAgent: s.userAgent,
        device: deviceName(s.userAgent),
        amr: s.amr,
      }));
    },

    async revoke(signedIn, sessionId, meta) {
      await confirm(signedIn);
      // A malformed id is not looked up at all (PostgreSQL refuses a NUL in a string, say).
      if (!isSessionIdShaped(sessionId)) throw notFound();
      const target = await store.findSession(sessionId);
      if (!target || target.userId !== signedIn.user.id || !isLive(target, clock())) throw notFound();
      if ((await end(signedIn, [target], meta, 'ended by the user')) === 0) throw notFound();
      return { current: target.id === signedIn.session.id };
    },

    async revokeOthers(signedIn, meta) {
      await confirm(signedIn);
      const others = (await liveSessions(signedIn.user.id)).filter((s) => s.id !== signedIn.session.id);
      return end(signedIn, others, meta, 'ended by the user (sign out of all other sessions)');
    },

    async revokeAll(signedIn, meta) {
      await confirm(signedIn);
      await end(
        signedIn,
        await liveSessions(signedIn.user.id),
        meta,
        'ended by the user (sign out everywhere)',
      );
    },

    async changePassword(signedIn, { current, next }, meta, readCookie) {
      await confirm(signedIn);
      const user = await store.findUserById(signedIn.user.id);
      if (!user || user.deletedAt !== null) throw new InvalidTokenError('revoked', 'the account is disabled');
      if (current.length === 0 || current.length > MAX_PASSWORD_LENGTH) {
        throw new InvalidRequestError(`"current_password" must have 1 to ${MAX_PASSWORD_LENGTH} characters`);
      }
      // A new password the policy refuses is refused before anything is counted or hashed: the
      // answer says nothing about the current password.
      checkPasswordPolicy(next, user.username);
      // Same as the current one: nothing would change but two hashes spent (a cheap way to keep
      // the hashing slots busy with a valid session).
      if (next === current) throw new WeakPasswordError('the new password must differ from the current one');

      // Charged before the current password is hashed, on sign-in's own counters and its device
      // cookie: guessing through the account page is guessing at the sign-in form.
      const attempt = await checkPasswordAgain(deps, user, current, meta, readCookie, {
        sessionId: signedIn.session.id,
        detail: 'wrong current password (password change)',
      });
      let revoked: number;
      try {
        ({ revoked } = await setPassword({ store, hasher, clock }, user, next, {
          reason: 'password_changed',
          keepSession: signedIn.session.id,
        }));
      } catch (error) {
        await attempt.abandoned();
        throw error;
      }
      const changed = await store.findUserById(user.id);
      const device = await attempt.succeeded({ passwordEpoch: changed?.passwordChangedAt ?? null });
      await event(
        'password_changed',
        meta,
        user.id,
        signedIn.session.id,
        `changed by the user; ${revoked} other session${revoked === 1 ? '' : 's'} ended`,
      );
      return { device, revoked };
    },
  };
}
