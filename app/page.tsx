import Link from 'next/link';
import { getPageAuth } from '@/lib/server/session';

export default async function Home() {
  const auth = await getPageAuth();
  return (
    <main>
      <div className="card">
        <h1>Gatehouse</h1>
        {auth.state === 'signed-in' ? (
          <p data-testid="home-status">
            You are signed in as <strong>{auth.user.name}</strong>
            {auth.user.admin ? ' (admin)' : ''}. Go to your <Link href="/dashboard">dashboard</Link>.
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
