import type { Clock } from '../edge/clock';
import { InvalidNameError, InvalidUsernameError, UnknownUserError } from '../edge/errors';
import { checkPasswordPolicy } from './password-policy';
import type { PasswordHasher } from './passwords';
import { randomId, type RandomBytes } from '../edge/random';
import type { AuthEventType, Store, User } from './store';

/**
 * Account administration behind `npm run users`: every change that affects access revokes the
 * sessions it must, and lands in the audit trail. Framework-free like the rest of the core.
 */
const USERNAME = /^[A-Za-z0-9._@+-]{1,64}$/;

export interface UserAdminDeps {
  readonly store: Store;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly random: RandomBytes;
}

export function createUserAdmin({ store, hasher, clock, random }: UserAdminDeps) {
  const record = (type: AuthEventType, user: User, detail: string | null = null) =>
    store.recordEvent({ at: clock(), type, userId: user.id, sessionId: null, ip: null, userAgent: 'users command', detail });

  async function find(username: string): Promise<User> {
    const user = await store.findUserByUsername(username);
    if (!user) throw new UnknownUserError(`no user named "${username}"`);
    return user;
  }


  return {
    async add(input: { username: string; displayName: string; password: string; admin: boolean }): Promise<User> {
      if (!USERNAME.test(input.username)) {
        throw new InvalidUsernameError('usernames are 1–64 of A–Z a–z 0–9 . _ @ + -');
      }
      const displayName = input.displayName.trim();
      if (!displayName || displayName.length > 100 || /\p{Cc}/u.test(displayName)) {
        throw new InvalidNameError('display names are 1–100 printable characters');
      }
      checkPasswordPolicy(input.password, input.username);
      const user = await store.createUser({
        id: randomId(random),
        username: input.username,
        displayName,
        passwordHash: await hasher.hash(input.password),
        admin: input.admin,
        now: clock(),
      });
      await record('user_created', user, input.admin ? 'admin' : null);
      return user;
    },

    list: () => store.listUsers(),

    /** Bans the account and ends every session it has: it cannot sign in or refresh. */
    async ban(username: string): Promise<number> {
      const user = await find(username);
      await store.updateUser(user.id, { status: 'banned' }, clock());
      const revoked = await store.revokeUserSessions(user.id, 'user_banned', clock());
      await record('ban', user, `${revoked} session(s) revoked`);
      return revoked;
    },

    async unban(username: string): Promise<void> {
      const user = await find(username);
      await store.updateUser(user.id, { status: 'active' }, clock());
      await record('unban', user);
    },

    /** Soft-deletes (the audit trail keeps its references) and ends every session. */
    async remove(username: string): Promise<number> {
      const user = await find(username);
      await store.updateUser(user.id, { deletedAt: clock() }, clock());
      const revoked = await store.revokeUserSessions(user.id, 'user_deleted', clock());
      await record('user_deleted', user, `${revoked} session(s) revoked`);
      return revoked;
    },

    /** Admin rights live in the access token, so they change at the user's next refresh. */
    async setAdmin(username: string, admin: boolean): Promise<void> {
      const user = await find(username);
      await store.updateUser(user.id, { admin }, clock());
      await record(admin ? 'admin_granted' : 'admin_revoked', user);
    },

    /** A new password ends every existing session: whoever knew the old one is out. */
    async setPassword(username: string, password: string): Promise<number> {
      const user = await find(username);
      checkPasswordPolicy(password, user.username);
      await store.updateUser(user.id, { passwordHash: await hasher.hash(password) }, clock());
      const revoked = await store.revokeUserSessions(user.id, 'admin', clock());
      await record('revoke', user, `password changed; ${revoked} session(s) revoked`);
      return revoked;
    },
  };
}

export type UserAdmin = ReturnType<typeof createUserAdmin>;
