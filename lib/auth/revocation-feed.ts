import type { Clock } from '../edge/clock';
import { HORIZON_MARGIN, type RevocationFeed } from '../edge/revocations';
import type { Store } from './store';

/**
 * The revocation feed, read from the database: the sessions revoked and the users cut off
 * (users.revoked_before) within one access-token lifetime, or since `since` when that is later.
 * Served to the middleware by GET /api/auth/revocations and read by this process's own set.
 * Two indexed range reads (sessions_revoked_at, users_revoked_before), however large the tables.
 */
export function storeFeed(
  store: Store,
  clock: Clock,
  accessTtl: number,
): (since: number | null) => Promise<RevocationFeed> {
  return async (since) => {
    const now = clock();
    const horizon = now - (accessTtl + HORIZON_MARGIN) * 1000;
    const rows = await store.revocationsSince(since === null ? horizon : Math.max(since, horizon));
    return {
      now,
      sessions: rows.sessions.map((s) => [s.id, s.at] as const),
      users: rows.users.map((u) => [u.id, u.since] as const),
    };
  };
}

/**
 * The store, telling `changed` after every write that revokes something, so this process's own
 * set refreshes at once instead of at the next poll (other processes still wait for theirs).
 * Every other method is the store's own, looked up at call time.
 */
export function reportingRevocations(store: Store, changed: () => void): Store {
  const watched: Partial<Store> = {
    async revokeSession(...args) {
      const revoked = await store.revokeSession(...args);
      if (revoked) changed();
      return revoked;
    },
    async revokeUserSessions(...args) {
      const count = await store.revokeUserSessions(...args);
      if (count > 0) changed();
      return count;
    },
    async updateUser(id, patch, now, options) {
      const user = await store.updateUser(id, patch, now, options);
      if (patch.revokedBefore !== undefined) changed();
      return user;
    },
  };
  return new Proxy(store, {
    get: (target, name, receiver) =>
      Object.hasOwn(watched, name) ? watched[name as keyof Store] : Reflect.get(target, name, receiver),
  });
}
