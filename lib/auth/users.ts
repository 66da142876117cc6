import type { Clock } from '../edge/clock';
import type { RandomBytes } from '../edge/random';
import { createAdminConsole, USERS_COMMAND } from './admin';
import type { PasswordHasher } from './passwords';
import type { Store, User } from './store';

/**
 * Account administration by username, for seeding and tools (the e2e and attack servers, the
 * upgrade test): a thin adapter over the admin console (lib/auth/admin.ts) acting as the users
 * command, so it follows the console's rules — the last active admin cannot be banned, deleted
 * or demoted — and records the same events. It needs no keys: what needs them (unlocking,
 * password links) is the users command's (scripts/users.ts), through a whole Gatehouse.
 */
export interface UserAdminDeps {
  readonly store: Store;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly random: RandomBytes;
}

const missing = (what: string) => () => {
  throw new Error(`${what} is not available to createUserAdmin: use the users command or the Gatehouse`);
};

export function createUserAdmin(deps: UserAdminDeps) {
  const admin = createAdminConsole(
    {
      ...deps,
      throttle: { unlock: missing('unlocking') },
      // The command is the only actor here: no admin session is ever confirmed.
      sessions: { confirm: missing('confirming a session') },
    },
    { create: missing('a password link') },
  );
  const id = async (username: string) => (await admin.findUser(USERS_COMMAND, username)).id;

  return {
    /** A user that can sign in with this password (the policy applies). */
    async add(input: {
      username: string;
      displayName: string;
      password: string;
      admin: boolean;
    }): Promise<User> {
      const created = await admin.createUser(USERS_COMMAND, {
        username: input.username,
        name: input.displayName,
        password: input.password,
        admin: input.admin,
      });
      return (await deps.store.findUserById(created.id))!;
    },

    list: () => deps.store.listUsers(),

    /** Bans the account and ends every session it has; how many. */
    ban: async (username: string): Promise<number> =>
      (await admin.ban(USERS_COMMAND, await id(username))).revoked,

    unban: async (username: string): Promise<void> => admin.unban(USERS_COMMAND, await id(username)),

    /** Soft-deletes (the audit trail keeps its references) and ends every session; how many. */
    remove: async (username: string): Promise<number> =>
      (await admin.deleteUser(USERS_COMMAND, await id(username))).revoked,

    setAdmin: async (username: string, isAdmin: boolean): Promise<void> =>
      admin.setAdmin(USERS_COMMAND, await id(username), isAdmin),

    /** A new password ends every existing session: whoever knew the old one is out. */
    setPassword: async (username: string, password: string): Promise<number> =>
      (await admin.setPassword(USERS_COMMAND, await id(username), password)).revoked,
  };
}

export type UserAdmin = ReturnType<typeof createUserAdmin>;
