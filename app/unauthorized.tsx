import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Sign in required' };

/**
 * Rendered by unauthorized() with a 401 status. Pages send visitors to /login instead
 * (requireUser() redirects, keeping where they were going); this is for anything that must
 * answer "not signed in" in place.
 */
export default function Unauthorized() {
  return (
    <main>
      <div className="card" data-testid="unauthorized">
        <h1>401 — Sign in required</h1>
        <p>You need to be signed in to see this page.</p>
        <p>
          <Link href="/login">Sign in</Link>
        </p>
      </div>
    </main>
  );
}
