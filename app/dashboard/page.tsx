import type { Metadata } from 'next';
import { getGatehouse } from '@/lib/server/runtime';
import { requireUser } from '@/lib/server/session';
import { Countdown } from '../components/countdown';
import { SessionUnavailable } from '../components/session-unavailable';
import { SignOutButton } from '../components/sign-out-button';

export const metadata: Metadata = { title: 'Dashboard' };

export default async function DashboardPage() {
  const user = await requireUser('/dashboard');
  if (!user) return <SessionUnavailable retry="/dashboard" />;

  const session = await (await getGatehouse()).store.findSession(user.sid);
  const date = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';

  return (
    <main>
      <div className="card">
        <h1 data-testid="welcome">Welcome, {user.name}</h1>
        <p className="muted">This is the restricted area: you only see it with a valid access token.</p>
      </div>
      <div className="card">
        <h2>This session</h2>
        <dl className="facts">
          <dt>Signed in since</dt>
          <dd data-testid="signed-in-since">{session ? date(session.createdAt) : 'unknown'}</dd>
          <dt>Access token expires</dt>
          <dd>
            <Countdown expiresAt={user.exp} />
          </dd>
          <dt>Session ends at the latest</dt>
          <dd>{session ? date(session.absoluteExpiresAt) : 'unknown'}</dd>
          <dt>Device</dt>
          <dd data-testid="device">{session?.userAgent ?? 'unknown'}</dd>
          <dt>Refreshes so far</dt>
          <dd data-testid="generation">{session?.gen ?? 0}</dd>
          <dt>Access token id</dt>
          <dd>
            <code data-testid="access-jti">{user.jti}</code>
          </dd>
          <dt>Role</dt>
          <dd>{user.admin ? 'admin' : 'user'}</dd>
        </dl>
      </div>
      <div className="card">
        <SignOutButton />
      </div>
    </main>
  );
}
