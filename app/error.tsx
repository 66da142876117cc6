'use client';

import { UNAVAILABLE_DIGEST } from '@/lib/edge/errors';
import { SessionUnavailable } from './components/session-unavailable';

/**
 * Any page's unexpected error. Production strips a server error's message but keeps its
 * digest, so an UnavailableError (lib/edge/errors.ts) is told apart: "try again", not "broken".
 * retry() re-fetches from the server (the middleware gets another go at the token endpoint).
 */
export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = (error as { digest?: unknown } | null)?.digest;
  if (digest === UNAVAILABLE_DIGEST) return <SessionUnavailable onRetry={retry} />;
  return (
    <main>
      <div className="card" role="alert" data-testid="error">
        <h1>Something went wrong</h1>
        <p>This page could not be shown. Trying again often helps; if it keeps happening, tell us:</p>
        {typeof digest === 'string' ? (
          <p className="muted">
            Reference: <code>{digest}</code>
          </p>
        ) : null}
        <p className="actions">
          <button type="button" onClick={retry}>
            Try again
          </button>
          <a href="/">Go to the home page</a>
        </p>
      </div>
    </main>
  );
}
