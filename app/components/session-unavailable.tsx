'use client';

import { useSession } from '@/lib/client/session';

/**
 * Shown (by app/error.tsx) when a service Gatehouse needs did not answer: the token endpoint
 * the middleware refreshes through, or the database. The session is probably fine and the
 * cookies are kept, so this offers a retry instead of a sign-in that would throw the session
 * away (and could loop).
 */
export function SessionUnavailable({ onRetry }: { onRetry: () => void }) {
  const { status } = useSession();
  // Nobody signed in (a sign-in the database could not answer): no session to reassure about.
  const signedOut = status === 'unauthenticated';
  return (
    <main>
      <div className="card" role="alert" data-testid="session-unavailable">
        <h1>{signedOut ? 'Sign-in is unavailable right now' : 'We couldn’t confirm your session'}</h1>
        <p>
          {signedOut
            ? 'The sign-in service did not answer in time. Please try again in a moment.'
            : 'The sign-in service did not answer in time. You are still signed in; nothing was lost.'}
        </p>
        <p>
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </p>
      </div>
    </main>
  );
}
