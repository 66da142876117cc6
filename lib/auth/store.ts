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
  /** When the password was last set (null: never since the account was made). Device cookies bind to it. */
  readonly passwordChangedAt: number | null;
  /**
   * Access tokens of this user issued before this time are refused (ban, deletion, a password
   * reset): the user-wide entry of the revocation set, beside the ended sessions.
   */
  readonly revokedBefore: number | null;
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
  readonly passwordChangedAt?: number;
  readonly revokedBefore?: number;
}

export interface UpdateOptions {
  /**
   * Refuse (LastAdminError) when the change would leave no active admin: the target is one
   * now and no other active, undeleted admin remains. Decided in the same write, so two admins
   * demoting each other at once cannot both succeed.
   */
  readonly keepAnAdmin?: boolean;
}

export type RevokeReason =
  | 'logout'
  | 'reuse_detected'
  | 'user_banned'
  | 'user_deleted'
  | 'admin'
  | 'expired'
  | 'session_limit'
  /** Ended by its own user (account page, API): one session, the others, or all. */
  | 'user'
  | 'password_changed'
  | 'password_reset';

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
  /** How it was signed in (RFC 8176 values, see AuthMethod); carried by every access token it issues. */
  readonly amr: readonly AuthMethod[];
}

/**
 * RFC 8176 authentication method references, as Gatehouse uses them: `pwd` a password; `otp`
 * an authenticator-app code (or a recovery code); `hwk` / `swk` a passkey bound to one device /
 * synced between devices; `user` the authenticator verified the person (PIN, biometrics); `mfa`
 * more than one factor took part.
 */
export type AuthMethod = 'pwd' | 'otp' | 'hwk' | 'swk' | 'user' | 'mfa';
export const AUTH_METHODS: readonly AuthMethod[] = ['pwd', 'otp', 'hwk', 'swk', 'user', 'mfa'];

/** A stored comma list of amr values, keeping only those Gatehouse issues. */
export function parseAmr(text: string): AuthMethod[] {
  return text.split(',').filter((v): v is AuthMethod => (AUTH_METHODS as readonly string[]).includes(v));
}

export interface NewSession {
  readonly id: string;
  readonly userId: string;
  readonly now: number;
  readonly idleExpiresAt: number;
  readonly absoluteExpiresAt: number;
  readonly userAgent: string | null;
  readonly ip: string | null;
  /**
   * The user's passwordChangedAt as read when the password was checked. When given, the
   * session is created only if it is still that: a sign-in with the old password that was
   * mid-hash when the password changed gets nothing.
   */
  readonly passwordEpoch?: number | null;
  /** How it was signed in; `['pwd']` when unset. */
  readonly amr?: readonly AuthMethod[];
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
  | 'admin_revoked'
  | 'password_changed'
  | 'password_reset'
  | 'password_link_created'
  | 'unlocked'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'mfa_cleared'
  | 'mfa_failed'
  | 'recovery_codes_created'
  | 'passkey_added'
  | 'passkey_renamed'
  | 'passkey_removed'
  | 'passkey_failed';

export const AUTH_EVENT_TYPES: readonly AuthEventType[] = [
  'login_ok',
  'login_failed',
  'refresh',
  'reuse_detected',
  'logout',
  'revoke',
  'user_created',
  'user_deleted',
  'ban',
  'unban',
  'admin_granted',
  'admin_revoked',
  'password_changed',
  'password_reset',
  'password_link_created',
  'unlocked',
  'mfa_enabled',
  'mfa_disabled',
  'mfa_cleared',
  'mfa_failed',
  'recovery_codes_created',
  'passkey_added',
  'passkey_renamed',
  'passkey_removed',
  'passkey_failed',
];

export interface AuthEvent {
  readonly at: number;
  readonly type: AuthEventType;
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** Short free text: a reason, the username tried. Never a password or token. */
  readonly detail: string | null;
  /** The admin who did it, when it was done to this user by someone else (null: the user, the system, the users command). */
  readonly actorId?: string | null;
}

/** The user agent the users command's events carry: what tells them apart in the audit trail. */
export const USERS_COMMAND_AGENT = 'users command';

/** An event as stored: with its id (newest = highest) and its actor spelled out. */
export interface StoredEvent extends AuthEvent {
  readonly id: number;
  readonly actorId: string | null;
}

export interface EventFilter {
  readonly userId?: string;
  readonly type?: AuthEventType;
  /** 100 when unset. */
  readonly limit?: number;
  readonly offset?: number;
}

export interface UserSearch {
  /** Matches username or display name, case-insensitively, anywhere in them. */
  readonly query?: string;
  readonly limit: number;
  readonly offset: number;
}

/**
 * What the revocation set is made of (lib/edge/revocations.ts): sessions revoked at or after
 * the cutoff, and users whose tokens issued before `since` are refused, where `since` is at or
 * after the cutoff.
 */
export interface RevocationRows {
  readonly sessions: readonly { readonly id: string; readonly userId: string; readonly at: number }[];
  readonly users: readonly { readonly id: string; readonly since: number }[];
}

export type PasswordLinkPurpose = 'reset' | 'invite';

/** A one-time link to set a password. Only the SHA-256 of its token is stored. */
export interface PasswordLink {
  readonly tokenHash: string;
  readonly userId: string;
  readonly purpose: PasswordLinkPurpose;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  /** The admin who made it; null for the users command. */
  readonly createdBy: string | null;
}

/** An authenticator-app factor. Its secret is sealed (lib/auth/secret-box.ts), never stored plain. */
export interface TotpFactor {
  readonly userId: string;
  readonly sealedSecret: string;
  readonly createdAt: number;
  /** Null while enrolling: not used at sign-in until confirmed with a code. */
  readonly enabledAt: number | null;
  /** The last time step a code was accepted for: a code works once. */
  readonly lastStep: number | null;
}

/** The second sign-in step: a right password, no session yet. Only the token's hash is stored. */
export interface MfaStep {
  readonly tokenHash: string;
  readonly userId: string;
  /** The first factor's amr values, comma-separated (`pwd`). */
  readonly firstFactor: string;
  /** The user's passwordChangedAt when the password was checked (a change since ends the step). */
  readonly passwordEpoch: number | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Codes tried so far. */
  readonly tries: number;
  readonly usedAt: number | null;
}

/** `singleDevice`: bound to one authenticator; `multiDevice`: synced (backup eligible). */
export type PasskeyDeviceType = 'singleDevice' | 'multiDevice';

export interface Passkey {
  /** The credential id, base64url. */
  readonly id: string;
  readonly userId: string;
  /** COSE public key, base64url. */
  readonly publicKey: string;
  /** The signature counter last seen (0 for authenticators that do not count). */
  readonly counter: number;
  readonly transports: readonly string[];
  readonly deviceType: PasskeyDeviceType;
  /** Whether it is backed up (synced) now, as the authenticator last said. */
  readonly backedUp: boolean;
  readonly aaguid: string | null;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export type ChallengePurpose = 'register' | 'authenticate';

/** A WebAuthn challenge, single-use and short-lived; stored so any instance can finish a ceremony. */
export interface WebAuthnChallenge {
  /** base64url, as the browser echoes it in clientDataJSON. */
  readonly challenge: string;
  readonly purpose: ChallengePurpose;
  /** For registration: who is adding a passkey, from which session. */
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export { LastAdminError, UsernameTakenError } from '../edge/errors';

/** What `Store.purge` removes: everything strictly before these times. */
export interface PurgeCutoffs {
  /** Sessions that ended (idle or absolute expiry, or revocation) before this. */
  readonly sessionsEndedBefore: number;
  /** Audit events recorded before this. */
  readonly eventsBefore: number;
  /**
   * Sessions that ended before this lose their address and user agent now, though the row
   * stays until sessionsEndedBefore (the audit trail keeps its own copy for its retention).
   */
  readonly scrubEndedBefore?: number;
  /** Second sign-in steps and WebAuthn challenges that expired before this (default: sessionsEndedBefore). */
  readonly expiredBefore?: number;
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
  /** Users that are not deleted, matching the query, oldest first; with the number matching. */
  searchUsers(search: UserSearch): Promise<{ users: User[]; total: number }>;
  /** Null when there is no such user. LastAdminError under `keepAnAdmin` (see UpdateOptions). */
  updateUser(id: string, patch: UserPatch, now: number, options?: UpdateOptions): Promise<User | null>;
  /**
   * Forgets where a user was: address and user agent of their sessions and audit events
   * (deleting an account erases them; the events themselves stay, as the audit trail).
   */
  eraseUserTraces(userId: string): Promise<void>;

  /**
   * Creates a session only if its user is active and not deleted at that moment (and, with
   * `passwordEpoch`, still has that password), decided in the same statement: a sign-in that
   * raced a ban, a deletion or a password change/reset gets null instead of a session the
   * revocation that just ran could not see.
   */
  createSession(session: NewSession): Promise<Session | null>;
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
  /** Revokes every live session of a user (but `except`); returns how many. */
  revokeUserSessions(
    userId: string,
    reason: RevokeReason,
    at: number,
    options?: { readonly except?: string },
  ): Promise<number>;
  /** Live (not revoked) sessions of a user, newest first. */
  listSessions(userId: string): Promise<Session[]>;

  recordEvent(event: AuthEvent): Promise<void>;
  /** Newest first. */
  listEvents(filter?: EventFilter): Promise<StoredEvent[]>;

  /** Revocations at or after `cutoff` (ms): the feed behind the middleware's revocation set. */
  revocationsSince(cutoff: number): Promise<RevocationRows>;

  /** Stores a new link and ends every earlier unused link of the same user. */
  createPasswordLink(link: Omit<PasswordLink, 'usedAt'>): Promise<void>;
  findPasswordLink(tokenHash: string): Promise<PasswordLink | null>;
  /**
   * Marks the link used, only if it is unused and unexpired at `now`, in one conditional
   * write: of two requests with the same link, one gets it back and the other null.
   */
  consumePasswordLink(tokenHash: string, now: number): Promise<PasswordLink | null>;
  /** Ends every unused link of a user (the password changed some other way). */
  endPasswordLinks(userId: string, now: number): Promise<void>;

  /**
   * Deletes ended sessions and old audit events; returns how many of each. Without it both
   * tables only grow: every sign-in leaves a session row and several events behind for good,
   * and every lookup and backup pays for them (lib/auth/housekeeping.ts runs it on a timer).
   */
  purge(cutoffs: PurgeCutoffs): Promise<PurgeResult>;

  /** A user's authenticator-app factor, enabled or pending; null when there is none. */
  findTotp(userId: string): Promise<TotpFactor | null>;
  /**
   * Starts (or restarts) an enrolment: stores a sealed secret, not yet enabled. False, changing
   * nothing, when the user already has one enabled.
   */
  beginTotp(userId: string, sealedSecret: string, now: number): Promise<boolean>;
  /**
   * Enables the pending factor whose secret is `sealedSecret` (the one the code was checked
   * against), with `step` as its last used step, and replaces the recovery codes, in one
   * transaction. False when there is no such pending factor (enabled or restarted meanwhile).
   */
  enableTotp(
    userId: string,
    sealedSecret: string,
    step: number,
    codeHashes: readonly string[],
    now: number,
  ): Promise<boolean>;
  /** Records `step` as used, only if it is after the last step used: of two uses of one code, one wins. */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  /** Removes the factor (enabled or pending) and the recovery codes; true when an enabled one was removed. */
  deleteTotp(userId: string): Promise<boolean>;
  /** Replaces every recovery code of the user. */
  replaceRecoveryCodes(userId: string, codeHashes: readonly string[], now: number): Promise<void>;
  /** Marks one unused recovery code used; true when this call did. */
  useRecoveryCode(userId: string, codeHash: string, now: number): Promise<boolean>;
  /** Recovery codes not used yet. */
  countRecoveryCodes(userId: string): Promise<number>;

  createMfaStep(step: Omit<MfaStep, 'tries' | 'usedAt'>): Promise<void>;
  /**
   * Counts one try of a second step, only while it is unused, unexpired at `now` and under
   * `maxTries`, in one conditional write; returns the step as counted, or null.
   */
  tryMfaStep(tokenHash: string, now: number, maxTries: number): Promise<MfaStep | null>;
  /** Marks the step used, if it is not; true when this call did (single use). */
  finishMfaStep(tokenHash: string, now: number): Promise<boolean>;

  /** False when a passkey with this credential id exists already (any user's). */
  createPasskey(passkey: Omit<Passkey, 'lastUsedAt'>): Promise<boolean>;
  findPasskey(id: string): Promise<Passkey | null>;
  /** Newest first. */
  listPasskeys(userId: string): Promise<Passkey[]>;
  /**
   * After a verified sign-in: stores the new counter and backup state, only if the counter is
   * still `expectedCounter` (two sign-ins with one counter value: one wins).
   */
  usePasskey(
    id: string,
    update: {
      readonly expectedCounter: number;
      readonly counter: number;
      readonly backedUp: boolean;
      readonly now: number;
    },
  ): Promise<boolean>;
  /** Only the user's own; false otherwise. */
  renamePasskey(userId: string, id: string, name: string): Promise<boolean>;
  /** Only the user's own; false otherwise. */
  deletePasskey(userId: string, id: string): Promise<boolean>;
  /** Removes every passkey, authenticator-app factor and recovery code of a user (account deletion). */
  deleteSecondFactors(userId: string): Promise<void>;

  createChallenge(challenge: WebAuthnChallenge): Promise<void>;
  /**
   * Takes a challenge out, in one DELETE … RETURNING: null when unknown, already taken, of
   * another purpose or expired at `now`. Of two requests with one challenge, one gets it.
   */
  takeChallenge(challenge: string, purpose: ChallengePurpose, now: number): Promise<WebAuthnChallenge | null>;

  /** Sets a key only if it has never been set; true when this call set it. */
  setMetaOnce(key: string, value: string, now: number): Promise<boolean>;
  getMeta(key: string): Promise<string | null>;

  close(): Promise<void>;
}

/** The case-insensitive form usernames are unique by, shared by every store. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}
