/**
 * What client components may know about the session: who is signed in and which session it
 * is — never a token. Built on the server by the root layout (toSessionValue) and handed to
 * <SessionProvider>, so useSession() costs no request. Kept apart from session.tsx (a client
 * module) so the layout can call toSessionValue on the server.
 */
export interface SessionData {
  readonly user: { readonly id: string; readonly name: string; readonly admin: boolean };
  readonly session: {
    readonly id: string;
    /**
     * The access token's times (ms since the epoch) as of the layout's last render. The root
     * layout does not re-render on every client navigation, and the middleware renews the token
     * silently, so this can lag: a page that shows the expiry reads it from its own auth().
     */
    readonly issuedAt: number;
    readonly expiresAt: number;
    /** How it was signed in (RFC 8176 `amr`); `mfa` in it means more than one factor. */
    readonly amr: readonly string[];
  };
}

/**
 * `unavailable`: the middleware could not reach the token endpoint, so nobody knows yet. It is
 * not "signed out" — the cookies are kept and the next request tries again.
 */
export type SessionStatus = 'authenticated' | 'unauthenticated' | 'unavailable';

export type SessionValue =
  | { readonly status: 'authenticated'; readonly data: SessionData }
  | { readonly status: 'unauthenticated' | 'unavailable'; readonly data: null };

/** The subset of the server's SignedIn that reaches the browser (the token id stays behind). */
export function toSessionValue(
  signedIn: { user: SessionData['user']; session: SessionData['session'] } | null,
  unavailable = false,
): SessionValue {
  if (!signedIn) return { status: unavailable ? 'unavailable' : 'unauthenticated', data: null };
  const { user, session } = signedIn;
  return {
    status: 'authenticated',
    data: {
      user: { id: user.id, name: user.name, admin: user.admin },
      session: { id: session.id, issuedAt: session.issuedAt, expiresAt: session.expiresAt, amr: session.amr },
    },
  };
}
