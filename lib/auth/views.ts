import { secondFactorsOf, type SecondFactors } from './sign-in-strength';
import type { Store } from './store';

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

export interface Views {
  /** The session behind a signed-in request, or null when it is gone. */
  sessionDetails(sessionId: string, userId: string): Promise<SessionDetails | null>;
  /** Which second factors the user has (an authenticator app that is on; passkeys). */
  secondFactors(userId: string): Promise<SecondFactors>;
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
    secondFactors: (userId) => secondFactorsOf(store, userId),
  };
}
