import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Not allowed' };

/** Rendered by forbidden() with a 403 status: signed in, but not allowed here. */
export default function Forbidden() {
  return (
    <main>
      <div className="card" data-testid="forbidden">
        <h1>403 — Not allowed</h1>
        <p>You are signed in, but this area is for administrators only.</p>
        <p>
          <Link href="/dashboard">Back to your dashboard</Link>
        </p>
      </div>
    </main>
  );
}
