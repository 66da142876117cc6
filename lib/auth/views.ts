import type { AuthEventType, Store, UserStatus } from './store';

/**
 * What pages show, read from the store on their behalf: pages never query the store
 * themselves, so the store's shape can change without touching a page, and each page gets
 * exactly the fields it renders (no password hashes travelling into a component by accident).
 */
export interface SessionDetails {
  /** ms since the epoch */
  readonly signedInAt: number;
  readonly endsAt: number;
  readonly userAgent: string | null;
  /** How many times the refresh token has rotated. */
  readonly refreshes: number;
}

export interface AdminOverview {
  readonly users: readonly {
    readonly id: string;
    readonly username: string;
    readonly name: string;
    readonly admin: boolean;
    readonly status: UserStatus;
  }[];
  readonly events: readonly {
    readonly at: number;
    readonly type: AuthEventType;
    /** The user's name, `null` for events with no user, '(deleted)' for a deleted user. */
    readonly username: string | null;
    readonly detail: string | null;
  }[];
}

export interface Views {
  /** The session behind a signed-in request, or null when it is gone. */
  sessionDetails(sessionId: string, userId: string): Promise<SessionDetails | null>;
  adminOverview(options?: { readonly events?: number }): Promise<AdminOverview>;
}

export function createViews(store: Store): Views {
  return {
    async sessionDetails(sessionId, userId) {
      const session = await store.findSession(sessionId);
      if (!session || session.userId !== userId) return null;
      return {
        signedInAt: session.createdAt,
        endsAt: session.absoluteExpiresAt,
        userAgent: session.userAgent,
        refreshes: session.gen,
      };
    },
    async adminOverview(options = {}) {
      const [users, events] = await Promise.all([
        store.listUsers(),
        store.listEvents({ limit: options.events ?? 15 }),
      ]);
      const names = new Map(users.map((u) => [u.id, u.username]));
      return {
        users: users.map((u) => ({
          id: u.id,
          username: u.username,
          name: u.displayName,
          admin: u.admin,
          status: u.status,
        })),
        events: events.map((e) => ({
          at: e.at,
          type: e.type,
          username: e.userId === null ? null : (names.get(e.userId) ?? '(deleted)'),
          detail: e.detail,
        })),
      };
    },
  };
}
