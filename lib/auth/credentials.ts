import type { Clock } from '../edge/clock';
import { checkPasswordPolicy } from './password-policy';
import type { PasswordHasher } from './passwords';
import type { RevokeReason, Store, User } from './store';

/**
 * The one way a password is replaced, whoever replaces it (the user on the account page or the
 * API, a one-time link, an admin, the users command), so every path ends the same things:
 *
 *  - the password policy applies (WeakPasswordError, 400, before anything is written);
 *  - every other session ends (`keepSession` is the one the user is changing it from), and
 *    with `everywhere` the user-wide revocation entry too, refusing every token issued before;
 *  - device cookies (lib/auth/device-cookie.ts) stop counting: they are bound to
 *    passwordChangedAt, so a browser that knew the old password gets no allowance of its own;
 *  - unused one-time password links end.
 *
 * Events are the caller's to record: only it knows who acted and why.
 */
export interface CredentialDeps {
  readonly store: Store;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
}

export interface SetPasswordOptions {
  readonly reason: RevokeReason;
  /** The session to keep (a change from the account page keeps the browser it was made in). */
  readonly keepSession?: string;
  /** Refuse every token of this user issued before now, at once (a reset: whoever had the account is out). */
  readonly everywhere?: boolean;
  /**
   * `password` already hashed by the caller: a one-time link hashes before it is used up, so a
   * hasher too busy to take the password leaves the link working. The policy still applies.
   */
  readonly passwordHash?: string;
}

export async function setPassword(
  deps: CredentialDeps,
  user: User,
  password: string,
  options: SetPasswordOptions,
): Promise<{ readonly revoked: number; readonly user: User }> {
  checkPasswordPolicy(password, user.username);
  const passwordHash = options.passwordHash ?? (await deps.hasher.hash(password));
  const now = deps.clock();
  const updated = await deps.store.updateUser(
    user.id,
    { passwordHash, passwordChangedAt: now, ...(options.everywhere ? { revokedBefore: now } : {}) },
    now,
  );
  const revoked = await deps.store.revokeUserSessions(user.id, options.reason, now, {
    except: options.keepSession,
  });
  await deps.store.endPasswordLinks(user.id, now);
  // The user as it is now: a session started after this must carry the new password's epoch.
  return { revoked, user: updated ?? user };
}
