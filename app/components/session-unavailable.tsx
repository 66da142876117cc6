'use client';

import { useRouter } from 'next/navigation';
import { useSession } from '@/lib/client/session';

/**
 * Shown when a service Gatehouse needs did not answer: the token endpoint the middleware
 * refreshes through, or the database. The session is probably fine and the cookies are kept,
 * so this offers a retry instead of a sign-in that would throw the session away (and could
 * loop). Rendered on the server by the protected segments' layouts (a full page load: it works
 * without JavaScript) and by app/error.tsx after a client-side navigation.
 *
 * "Try again" is a link to this very page, so it works without JavaScript; with it, it
 * re-fetches the page from the server without a reload (error.tsx's retry(), or a refresh).
 */
export function SessionUnavailable({ onRetry }: { onRetry?: () => void }) {
  const router = useRouter();
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
          <a
            href=""
            className="button"
            onClick={(event) => {
              event.preventDefault();
              if (onRetry) onRetry();
              else router.refresh();
            }}
          >
            Try again
          </a>
        </p>
      </div>
    </main>
  );
}
