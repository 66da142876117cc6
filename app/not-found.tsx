import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Page not found' };

/** Any unknown path (and notFound()), with a real 404 status. */
export default function NotFound() {
  return (
    <main>
      <div className="card" data-testid="not-found">
        <h1>404 — Page not found</h1>
        <p>There is no page at this address. It may have moved, or the link may be mistyped.</p>
        <p className="actions">
          <Link href="/">Go to the home page</Link>
          <Link href="/dashboard">Your dashboard</Link>
        </p>
      </div>
    </main>
  );
}
