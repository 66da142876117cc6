/**
 * Shown when the middleware could not reach the token endpoint to refresh an expired access
 * token. The session is probably fine and the cookies are kept, so this offers a retry instead
 * of a login redirect that would throw the session away (and could loop).
 */
export function SessionUnavailable({ retry }: { retry: string }) {
  return (
    <main>
      <div className="card" role="alert" data-testid="session-unavailable">
        <h1>We couldn&rsquo;t confirm your session</h1>
        <p>
          The sign-in service did not answer in time. You are still signed in; nothing was lost.
        </p>
        <p>
          <a href={retry}>Try again</a>
        </p>
      </div>
    </main>
  );
}
