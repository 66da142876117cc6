import Link from 'next/link';
import { hasCode } from '@/lib/edge/errors';
import { auth } from '@/lib/server/auth';

export default async function Home() {
  // The home page is public: when the session cannot be checked it simply reads as signed out.
  const signedIn = await auth().catch((error: unknown) => {
    if (hasCode(error, 'temporarily_unavailable')) return null;
    throw error;
  });
  return (
    <main>
      <div className="card">
        <h1>Gatehouse</h1>
        {signedIn ? (
          <p data-testid="home-status">
            You are signed in as <strong>{signedIn.user.name}</strong>
            {signedIn.user.admin ? ' (admin)' : ''}. Go to your <Link href="/dashboard">dashboard</Link>.
          </p>
        ) : (
          <p data-testid="home-status">
            You are not signed in. <Link href="/login">Sign in</Link> to see your dashboard.
          </p>
        )}
        <p className="muted">
          Short-lived JWT access tokens, rotating refresh tokens in httpOnly cookies, verified and refreshed by
          Edge middleware.
        </p>
      </div>
    </main>
  );
}
