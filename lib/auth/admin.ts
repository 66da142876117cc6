import { assertAdminSignInStrength, secondFactorsOf, type SecondFactors } from './sign-in-strength';
import {
  ForbiddenError,
  InvalidNameError,
  InvalidRequestError,
  InvalidTokenError,
  InvalidUsernameError,
  NotFoundError,
  SelfActionError,
  UnknownUserError,
} from '../edge/errors';
import { base64url, randomId } from '../edge/random';
import type { CoreDeps } from './core-deps';
import { setPassword as replacePassword } from './credentials';
import type { SignedIn } from './gatehouse';
import type { PasswordLinks } from './password-links';
import { checkPasswordPolicy } from './password-policy';
import type { SessionService } from './sessions';
import {
  AUTH_EVENT_TYPES,
  USERS_COMMAND_AGENT,
  type AuthEventType,
  type PasswordLinkPurpose,
  type StoredEvent,
  type User,
  type UserStatus,
} from './store';
import type { Throttle } from './throttle';
import { deviceName } from './device-name';

/**
 * What admins do to accounts (issue 8, part 3), for the admin console and the users command
 * alike: one implementation, so both follow the same rules.
 *
 *  - Every method takes the actor. An admin's SignedIn is confirmed in the database at that
 *    moment (session live, account active, still an admin): a token that says "admin" is not
 *    enough, so rights taken away a second ago count. The users command is its own actor: it
 *    runs with access to the database, which is authority enough.
 *  - An admin cannot ban, delete or take admin rights from their own account (SelfActionError):
 *    someone else must, so one slip cannot lock the last person out.
 *  - Nothing removes the last active admin (LastAdminError), the command included; the store
 *    decides it in the same write as the change, so two admins demoting each other at once
 *    cannot both succeed.
 *  - Ban and delete end the account's sessions and refuse every token issued before now
 *    (users.revoked_before), so the revocation set ends them on every request within seconds.
 *  - Taking admin rights away does not end sessions: every admin surface (requireAdmin, the
 *    /api/admin route, each method here) asks the database rather than the token, and the
 *    user's next refresh issues a token without the claim. The account keeps working as a
 *    normal one.
 *  - Every change lands in the audit trail with the acting admin's id (null for the command).
 */
export interface AdminConsole {
  searchUsers(actor: Actor, search?: UserSearchInput): Promise<UserPage>;
  /** Every live user, oldest first: the command's `list`. */
  allUsers(actor: Actor): Promise<UserSummary[]>;
  /** A live user by name (case-insensitive), for the command; UnknownUserError otherwise. */
  findUser(actor: Actor, username: string): Promise<UserSummary>;
  /** Profile, live sessions and recent events; UnknownUserError for an unknown or deleted id. */
  userDetail(actor: Actor, userId: string): Promise<UserDetail>;
  /** Ends one session of this user; NotFoundError when it is not theirs, or not live. */
  revokeSession(actor: Actor, userId: string, sessionId: string): Promise<void>;
  /** Ends every session of this user; how many. */
  revokeSessions(actor: Actor, userId: string): Promise<{ readonly revoked: number }>;
  ban(actor: Actor, userId: string): Promise<{ readonly revoked: number }>;
  unban(actor: Actor, userId: string): Promise<void>;
  setAdmin(actor: Actor, userId: string, admin: boolean): Promise<void>;
  /** Forgets the account's failed sign-ins and blocks (sign-in throttling). */
  unlock(actor: Actor, userId: string): Promise<{ readonly addresses: number }>;
  /**
   * Removes the user's authenticator app and recovery codes (lost phone): their next sign-in
   * needs the password alone. Passkeys stay. `cleared` is false when there was none to clear.
   */
  clearSecondFactor(actor: Actor, userId: string): Promise<{ readonly cleared: boolean }>;
  /** Soft delete: the audit trail keeps its rows, the account's addresses and user agents go. */
  deleteUser(actor: Actor, userId: string): Promise<{ readonly revoked: number }>;
  /**
   * A new account. Without a password (the console) it cannot be signed in to until one is set
   * through a password link (createPasswordLink, purpose 'invite').
   */
  createUser(actor: Actor, input: NewUserInput): Promise<UserSummary>;
  /** Sets a password (the command's `password`): every session and older token of the user ends. */
  setPassword(actor: Actor, userId: string, password: string): Promise<{ readonly revoked: number }>;
  /** A one-time link to set the password; ends the user's earlier unused links. */
  createPasswordLink(
    actor: Actor,
    userId: string,
    purpose: PasswordLinkPurpose,
  ): Promise<{ readonly url: string; readonly expiresAt: number }>;
  auditTrail(actor: Actor, filter?: AuditFilterInput): Promise<AuditPage>;
}

/** The users command as an actor: the only value that is. */
export const USERS_COMMAND: { readonly kind: 'users-command' } = Object.freeze({ kind: 'users-command' });
export type UsersCommand = typeof USERS_COMMAND;
/** Who acts: a signed-in admin (confirmed in the database on every call) or the users command. */
export type Actor = SignedIn | UsersCommand;

/** The event's user agent for the command's actions, as the audit trail has always shown it. */
export { USERS_COMMAND_AGENT };

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;
export const MAX_QUERY_LENGTH = 100;
/** Deep enough for any real list; bounds the offset a crafted query string can ask for. */
export const MAX_PAGE = 10_000;

export interface UserSearchInput {
  readonly query?: string;
  /** From 1. */
  readonly page?: number;
  readonly pageSize?: number;
}

export interface UserSummary {
  readonly id: string;
  readonly username: string;
  readonly name: string;
  readonly admin: boolean;
  readonly status: UserStatus;
  readonly createdAt: number;
}

export interface UserPage {
  readonly users: readonly UserSummary[];
  readonly total: number;
  readonly page: number;
  readonly pageSize: number;
  readonly query: string;
}

export interface SessionSummary {
  readonly id: string;
  readonly createdAt: number;
  /** Its last refresh (or its creation). */
  readonly lastActiveAt: number;
  /** When it ends unless refreshed (idle), or at the latest (absolute). */
  readonly expiresAt: number;
  /** "Firefox on Linux": a hint, from the user agent. */
  readonly browser: string;
  readonly userAgent: string | null;
  readonly ip: string | null;
  /** The session the acting admin is using. */
  readonly current: boolean;
}

export interface UserDetail {
  readonly user: UserSummary & {
    readonly updatedAt: number;
    readonly passwordChangedAt: number | null;
  };
  readonly sessions: readonly SessionSummary[];
  readonly events: readonly AuditEntry[];
  /** The sign-in factors beyond the password the account has. */
  readonly secondFactors: SecondFactors;
  /** The acting admin's own account: ban, delete and taking admin rights are refused. */
  readonly self: boolean;
}

export interface NewUserInput {
  readonly username: string;
  /** Display name; the username when not given. */
  readonly name?: string;
  readonly admin: boolean;
  /** The command's `add` sets one; the console hands over an invitation link instead. */
  readonly password?: string;
}

export interface AuditFilterInput {
  /** Events of this user (by name, case-insensitive); UnknownUserError when there is none. */
  readonly username?: string;
  readonly userId?: string;
  readonly type?: string;
  readonly page?: number;
  readonly pageSize?: number;
}

/** A user an event names, deleted or not. */
export interface UserRef {
  readonly id: string;
  readonly username: string;
  readonly deleted: boolean;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  readonly type: AuthEventType;
  /** Whom it was about; null for events with no user (a sign-in with an unknown name). */
  readonly user: UserRef | null;
  /** Who did it when it was not the user themself: an admin, or the users command. */
  readonly actor:
    { readonly kind: 'admin'; readonly user: UserRef } | { readonly kind: 'users-command' } | null;
  readonly detail: string | null;
  readonly ip: string | null;
}

export interface AuditPage {
  readonly events: readonly AuditEntry[];
  readonly page: number;
  readonly pageSize: number;
  /** Whether there is a page after this one (the trail is not counted: it can be long). */
  readonly hasNext: boolean;
  readonly filter: {
    readonly username: string | null;
    readonly userId: string | null;
    readonly type: AuthEventType | null;
  };
}

/**
 * What the console is built from: CoreDeps (lib/auth/core-deps.ts) fits, and so does less —
 * the console only unlocks through the throttle and only confirms through the sessions.
 */
export type AdminDeps = Pick<CoreDeps, 'store' | 'hasher' | 'clock' | 'random'> & {
  readonly throttle: Pick<Throttle, 'unlock'>;
  readonly sessions: Pick<SessionService, 'confirm'>;
};

const USERNAME = /^[A-Za-z0-9._@+-]{1,64}$/;
/** Ids are ours (random base64url, or a UUID in an imported database): anything else is no id. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME_LENGTH = 100;
/** Events the user's own requests never produce: with no actor, the command did them. */
const COMMAND_EVENT_TYPES: ReadonlySet<AuthEventType> = new Set([
  'user_created',
  'user_deleted',
  'ban',
  'unban',
  'admin_granted',
  'admin_revoked',
  'unlocked',
  'password_link_created',
  'mfa_cleared',
]);
/** Failed sign-ins looked at for the addresses an unlock forgets (the throttle's window is a day). */
const UNLOCK_EVENT_LOOKBACK = 500;
const RECENT_EVENTS = 20;

interface Acting {
  /** The admin's id; null for the command. */
  readonly id: string | null;
  readonly userAgent: string | null;
}

export function validateUsername(username: string): void {
  if (!USERNAME.test(username)) throw new InvalidUsernameError('usernames are 1–64 of A–Z a–z 0–9 . _ @ + -');
}

export function validateDisplayName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > MAX_NAME_LENGTH || /\p{Cc}/u.test(trimmed)) {
    throw new InvalidNameError('display names are 1–100 printable characters');
  }
  return trimmed;
}

/** The console makes links only; checking and redeeming them are the link's own page's. */
export function createAdminConsole(deps: AdminDeps, links: Pick<PasswordLinks, 'create'>): AdminConsole {
  const { store, hasher, clock, random, throttle, sessions } = deps;

  /** Who is acting, confirmed now: the session live, the account active and an admin. */
  async function acting(actor: Actor): Promise<Acting> {
    if (actor === USERS_COMMAND) return { id: null, userAgent: USERS_COMMAND_AGENT };
    const signedIn = actor as Partial<SignedIn>;
    if (typeof signedIn.session?.id !== 'string' || typeof signedIn.user?.id !== 'string') {
      throw new InvalidTokenError('missing', 'no signed-in admin');
    }
    const user = await sessions.confirm(signedIn.session.id, signedIn.user.id);
    if (!user.admin) throw new ForbiddenError('admin rights required');
    // The pages and routes ask first (and send the admin to sign in again); checked here too,
    // so no way into the console skips it. A token from before amr existed states none.
    await assertAdminSignInStrength((id) => secondFactorsOf(store, id), {
      user: signedIn.user as SignedIn['user'],
      session: { ...(signedIn.session as SignedIn['session']), amr: signedIn.session.amr ?? [] },
    });
    return { id: user.id, userAgent: null };
  }

  /** A live account by id; unknown, deleted and malformed ids answer the same. */
  async function target(userId: string): Promise<User> {
    const user = typeof userId === 'string' && ID.test(userId) ? await store.findUserById(userId) : null;
    if (!user || user.deletedAt !== null) throw new UnknownUserError('no such user');
    return user;
  }

  function notSelf(who: Acting, user: User, what: string): void {
    if (who.id !== null && who.id === user.id) {
      throw new SelfActionError(`admins cannot ${what} their own account: another admin must`);
    }
  }

  function record(
    who: Acting,
    type: AuthEventType,
    userId: string,
    fields: { readonly sessionId?: string; readonly detail?: string } = {},
  ): Promise<void> {
    return store.recordEvent({
      at: clock(),
      type,
      userId,
      sessionId: fields.sessionId ?? null,
      ip: null,
      userAgent: who.userAgent,
      detail: fields.detail ?? null,
      actorId: who.id,
    });
  }

  const endSessions = (user: User, reason: 'user_banned' | 'user_deleted' | 'admin') =>
    store.revokeUserSessions(user.id, reason, clock());

  async function entries(events: readonly StoredEvent[]): Promise<AuditEntry[]> {
    const ids = new Set<string>();
    for (const e of events) {
      if (e.userId) ids.add(e.userId);
      if (e.actorId) ids.add(e.actorId);
    }
    const found = await Promise.all([...ids].map((id) => store.findUserById(id)));
    const refs = new Map<string, UserRef>();
    for (const u of found)
      if (u) refs.set(u.id, { id: u.id, username: u.username, deleted: u.deletedAt !== null });
    // A row purged from users (never, today: deletion is soft) still shows as an id.
    const ref = (id: string): UserRef =>
      refs.get(id) ?? { id, username: `#${id.slice(0, 8)}`, deleted: true };
    return events.map((e) => ({
      id: e.id,
      at: e.at,
      type: e.type,
      user: e.userId ? ref(e.userId) : null,
      actor: e.actorId
        ? { kind: 'admin', user: ref(e.actorId) }
        : // The user agent alone proves nothing (a client may send "users command" at sign-in);
          // these types are never recorded from a user's own request.
          COMMAND_EVENT_TYPES.has(e.type) && e.userAgent === USERS_COMMAND_AGENT
          ? { kind: 'users-command' }
          : null,
      detail: e.detail,
      ip: e.ip,
    }));
  }

  return {
    async searchUsers(actor, search = {}) {
      await acting(actor);
      const query = (search.query ?? '').trim();
      if (query.length > MAX_QUERY_LENGTH) {
        throw new InvalidRequestError(`search for at most ${MAX_QUERY_LENGTH} characters`);
      }
      const { page, pageSize, offset } = paging(search.page, search.pageSize);
      const { users, total } = await store.searchUsers({ query, limit: pageSize, offset });
      return { users: users.map(summary), total, page, pageSize, query };
    },

    async allUsers(actor) {
      await acting(actor);
      return (await store.listUsers()).map(summary);
    },

    async findUser(actor, username) {
      await acting(actor);
      const user =
        typeof username === 'string' && username.length <= 256
          ? await store.findUserByUsername(username)
          : null;
      if (!user) throw new UnknownUserError(`no user named "${String(username).slice(0, 64)}"`);
      return summary(user);
    },

    async userDetail(actor, userId) {
      const who = await acting(actor);
      const user = await target(userId);
      const now = clock();
      const [live, events, secondFactors] = await Promise.all([
        store.listSessions(user.id),
        store.listEvents({ userId: user.id, limit: RECENT_EVENTS }),
        secondFactorsOf(store, user.id),
      ]);
      const current = actor === USERS_COMMAND ? null : (actor as SignedIn).session.id;
      return {
        user: { ...summary(user), updatedAt: user.updatedAt, passwordChangedAt: user.passwordChangedAt },
        sessions: live
          .filter((s) => now < s.idleExpiresAt && now < s.absoluteExpiresAt)
          .map((s) => ({
            id: s.id,
            createdAt: s.createdAt,
            lastActiveAt: s.rotatedAt,
            expiresAt: Math.min(s.idleExpiresAt, s.absoluteExpiresAt),
            browser: deviceName(s.userAgent),
            userAgent: s.userAgent,
            ip: s.ip,
            current: s.id === current,
          })),
        events: await entries(events),
        secondFactors,
        self: who.id === user.id,
      };
    },

    async revokeSession(actor, userId, sessionId) {
      const who = await acting(actor);
      const user = await target(userId);
      const session =
        typeof sessionId === 'string' && ID.test(sessionId) ? await store.findSession(sessionId) : null;
      // Another user's session answers exactly like none: ids do not leak across accounts.
      if (!session || session.userId !== user.id || session.revokedAt !== null) {
        throw new NotFoundError('no such session');
      }
      if (await store.revokeSession(session.id, 'admin', clock())) {
        await record(who, 'revoke', user.id, {
          sessionId: session.id,
          detail: `session ended by ${by(who)}`,
        });
      }
    },

    async revokeSessions(actor, userId) {
      const who = await acting(actor);
      const user = await target(userId);
      const revoked = await endSessions(user, 'admin');
      await record(who, 'revoke', user.id, { detail: `all sessions ended by ${by(who)}: ${revoked}` });
      return { revoked };
    },

    async ban(actor, userId) {
      const who = await acting(actor);
      const user = await target(userId);
      notSelf(who, user, 'ban');
      const now = clock();
      // The status first, decided with the last-admin rule in one write; then the sessions.
      // A refresh in between already finds the account banned.
      await store.updateUser(user.id, { status: 'banned', revokedBefore: now }, now, { keepAnAdmin: true });
      const revoked = await endSessions(user, 'user_banned');
      await store.endPasswordLinks(user.id, now);
      await record(who, 'ban', user.id, { detail: `${revoked} session(s) revoked` });
      return { revoked };
    },

    async unban(actor, userId) {
      const who = await acting(actor);
      const user = await target(userId);
      await store.updateUser(user.id, { status: 'active' }, clock());
      await record(who, 'unban', user.id);
    },

    async setAdmin(actor, userId, admin) {
      const who = await acting(actor);
      const user = await target(userId);
      if (admin) {
        await store.updateUser(user.id, { admin: true }, clock());
      } else {
        notSelf(who, user, 'take admin rights from');
        await store.updateUser(user.id, { admin: false }, clock(), { keepAnAdmin: true });
      }
      await record(who, admin ? 'admin_granted' : 'admin_revoked', user.id);
    },

    async unlock(actor, userId) {
      const who = await acting(actor);
      const user = await target(userId);
      // The throttle counts (account, address) pairs too: the audit trail knows the addresses
      // this account's failures came from.
      const failures = await store.listEvents({
        userId: user.id,
        type: 'login_failed',
        limit: UNLOCK_EVENT_LOOKBACK,
      });
      const addresses = [...new Set(failures.map((e) => e.ip))];
      await throttle.unlock(user.username, addresses);
      await record(who, 'unlocked', user.id, {
        detail: `failed sign-ins forgotten from ${addresses.length} address(es)`,
      });
      return { addresses: addresses.length };
    },

    async clearSecondFactor(actor, userId) {
      const who = await acting(actor);
      const user = await target(userId);
      const cleared = await store.deleteTotp(user.id);
      if (cleared) {
        await record(who, 'mfa_cleared', user.id, {
          detail: `authenticator app and recovery codes cleared by ${by(who)}`,
        });
      }
      return { cleared };
    },

    async deleteUser(actor, userId) {
      const who = await acting(actor);
      const user = await target(userId);
      notSelf(who, user, 'delete');
      const now = clock();
      await store.updateUser(user.id, { deletedAt: now, revokedBefore: now }, now, { keepAnAdmin: true });
      const revoked = await endSessions(user, 'user_deleted');
      await store.endPasswordLinks(user.id, now);
      // Its ways to sign in go too: an authenticator secret, recovery codes, passkeys.
      await store.deleteSecondFactors(user.id);
      // Where the account was (addresses, user agents) goes with it; the events stay.
      await store.eraseUserTraces(user.id);
      await record(who, 'user_deleted', user.id, { detail: `${revoked} session(s) revoked` });
      return { revoked };
    },

    async createUser(actor, input) {
      const who = await acting(actor);
      const username = typeof input.username === 'string' ? input.username : '';
      validateUsername(username);
      const displayName = validateDisplayName(input.name ?? username);
      if (input.password !== undefined) checkPasswordPolicy(input.password, username);
      // Without a password: the hash of 32 random bytes nobody ever sees, so the account
      // cannot be signed in to until its owner sets one through a link.
      const secret = input.password ?? base64url(random(32));
      const user = await store.createUser({
        id: randomId(random),
        username,
        displayName,
        passwordHash: await hasher.hash(secret),
        admin: input.admin === true,
        now: clock(),
      });
      await record(who, 'user_created', user.id, { detail: user.admin ? 'admin' : undefined });
      return summary(user);
    },

    async setPassword(actor, userId, password) {
      const who = await acting(actor);
      const user = await target(userId);
      // Whoever knew the old password is out: every session and every older token.
      const { revoked } = await replacePassword({ store, hasher, clock }, user, password, {
        reason: 'password_reset',
        everywhere: true,
      });
      await record(who, 'password_reset', user.id, {
        detail: `set by ${by(who)}; ${revoked} session(s) revoked`,
      });
      return { revoked };
    },

    async createPasswordLink(actor, userId, purpose) {
      const who = await acting(actor);
      const user = await target(userId);
      if (purpose !== 'reset' && purpose !== 'invite')
        throw new InvalidRequestError('purpose is reset or invite');
      // The links service records `password_link_created` with the actor itself.
      return links.create(user.id, { purpose, createdBy: who.id });
    },

    async auditTrail(actor, filter = {}) {
      await acting(actor);
      const { page, pageSize, offset } = paging(filter.page, filter.pageSize);
      const type = filter.type ? eventType(filter.type) : undefined;
      let userId: string | undefined;
      const username = filter.username?.trim() || null;
      if (username !== null) {
        const user = username.length <= 64 ? await store.findUserByUsername(username) : null;
        if (!user) throw new UnknownUserError(`no user named "${username.slice(0, 64)}"`);
        userId = user.id;
      } else if (filter.userId !== undefined) {
        if (!ID.test(filter.userId)) throw new UnknownUserError('no such user');
        userId = filter.userId;
      }
      // One more than a page: whether there is a next one, without counting the whole trail.
      const rows = await store.listEvents({ userId, type, limit: pageSize + 1, offset });
      return {
        events: await entries(rows.slice(0, pageSize)),
        page,
        pageSize,
        hasNext: rows.length > pageSize,
        filter: { username, userId: userId ?? null, type: type ?? null },
      };
    },
  };
}

function summary(user: User): UserSummary {
  return {
    id: user.id,
    username: user.username,
    name: user.displayName,
    admin: user.admin,
    status: user.status,
    createdAt: user.createdAt,
  };
}

const by = (who: Acting) => (who.id === null ? 'the users command' : 'an admin');

function paging(page = 1, pageSize = DEFAULT_PAGE_SIZE): { page: number; pageSize: number; offset: number } {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new InvalidRequestError(`page size is 1 to ${MAX_PAGE_SIZE}`);
  }
  if (!Number.isInteger(page) || page < 1 || page > MAX_PAGE) {
    throw new InvalidRequestError(`page is 1 to ${MAX_PAGE}`);
  }
  return { page, pageSize, offset: (page - 1) * pageSize };
}

function eventType(type: string): AuthEventType {
  if (!(AUTH_EVENT_TYPES as readonly string[]).includes(type))
    throw new InvalidRequestError('unknown event type');
  return type as AuthEventType;
}
