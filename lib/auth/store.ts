/**
 * The storage contract Gatehouse needs, and nothing more (after Lucia's adapters). Every
 * method is async even though SQLite is synchronous, so a networked store (Postgres) drops in
 * unchanged. One contract suite (`test/store/contract.ts`) runs against every implementation.
 * Times are milliseconds since the epoch.
 */
export type UserStatus = 'active' | 'banned';

export interface User {
  readonly id: string;
  /** As the user typed it; lookups are case-insensitive (see usernameKey). */
  readonly username: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly admin: boolean;
  readonly status: UserStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly deletedAt: number | null;
}

export interface NewUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly admin: boolean;
  readonly now: number;
}

export interface UserPatch {
  readonly displayName?: string;
  readonly passwordHash?: string;
  readonly admin?: boolean;
  readonly status?: UserStatus;
  readonly deletedAt?: number;
}

export type RevokeReason =
  | 'logout'
  | 'reuse_detected'
  | 'user_banned'
  | 'user_deleted'
  | 'admin'
  | 'expired'
  | 'session_limit';

export interface Session {
  readonly id: string;
  readonly userId: string;
  /** Generation of the refresh token currently valid; +1 on every rotation. */
  readonly gen: number;
  readonly createdAt: number;
  /** When `gen` last changed (creation counts as the first). Drives the grace window. */
  readonly rotatedAt: number;
  readonly idleExpiresAt: number;
  readonly absoluteExpiresAt: number;
  readonly revokedAt: number | null;
  readonly revokedReason: RevokeReason | null;
  readonly userAgent: string | null;
  readonly ip: string | null;
}

export interface NewSession {
  readonly id: string;
  readonly userId: string;
  readonly now: number;
  readonly idleExpiresAt: number;
  readonly absoluteExpiresAt: number;
  readonly userAgent: string | null;
  readonly ip: string | null;
}

export type AuthEventType =
  | 'login_ok'
  | 'login_failed'
  | 'refresh'
  | 'reuse_detected'
  | 'logout'
  | 'revoke'
  | 'user_created'
  | 'user_deleted'
  | 'ban'
  | 'unban'
  | 'admin_granted'
  | 'admin_revoked';

export interface AuthEvent {
  readonly at: number;
  readonly type: AuthEventType;
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** Short free text: a reason, the username tried. Never a password or token. */
  readonly detail: string | null;
}

export { UsernameTakenError } from '../edge/errors';

/** What `Store.purge` removes: everything strictly before these times. */
export interface PurgeCutoffs {
  /** Sessions that ended (idle or absolute expiry, or revocation) before this. */
  readonly sessionsEndedBefore: number;
  /** Audit events recorded before this. */
  readonly eventsBefore: number;
}

export interface PurgeResult {
  readonly sessions: number;
  readonly events: number;
}

/**
 * A failure to reach the database (down, restarting, out of connections, locked past the busy
 * timeout) rejects with UnavailableError (`temporarily_unavailable`, 503) from every method;
 * constraint violations the contract names (UsernameTakenError) stay specific.
 */
export interface Store {
  createUser(user: NewUser): Promise<User>;
  /** Finds a user by id, including soft-deleted ones (the caller checks `deletedAt`). */
  findUserById(id: string): Promise<User | null>;
  /** Case-insensitive; never returns a deleted user. */
  findUserByUsername(username: string): Promise<User | null>;
  /** Users that are not deleted, oldest first. */
  listUsers(): Promise<User[]>;
  updateUser(id: string, patch: UserPatch, now: number): Promise<User | null>;

  createSession(session: NewSession): Promise<Session>;
  findSession(id: string): Promise<Session | null>;
  /**
   * Advances `gen` from `expectedGen` to `expectedGen + 1` in one conditional write, only if
   * the session is not revoked. False when someone else rotated first: the caller re-reads.
   */
  rotateSession(
    id: string,
    expectedGen: number,
    update: { readonly rotatedAt: number; readonly idleExpiresAt: number },
  ): Promise<boolean>;
  /** Revokes one session if it is not already; true when this call revoked it. */
  revokeSession(id: string, reason: RevokeReason, at: number): Promise<boolean>;
  /** Revokes every live session of a user; returns how many. */
  revokeUserSessions(userId: string, reason: RevokeReason, at: number): Promise<number>;
  /** Live (not revoked) sessions of a user, newest first. */
  listSessions(userId: string): Promise<Session[]>;

  recordEvent(event: AuthEvent): Promise<void>;
  /** Newest first. */
  listEvents(filter?: { readonly userId?: string; readonly limit?: number }): Promise<AuthEvent[]>;

  /**
   * Deletes ended sessions and old audit events; returns how many of each. Without it both
   * tables only grow: every sign-in leaves a session row and several events behind for good,
   * and every lookup and backup pays for them (lib/auth/housekeeping.ts runs it on a timer).
   */
  purge(cutoffs: PurgeCutoffs): Promise<PurgeResult>;

  /** Sets a key only if it has never been set; true when this call set it. */
  setMetaOnce(key: string, value: string, now: number): Promise<boolean>;
  getMeta(key: string): Promise<string | null>;

  close(): Promise<void>;
}

/** The case-insensitive form usernames are unique by, shared by every store. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}
