import type { Metadata } from 'next';
import { describeSignIn, requireUser } from '@/lib/server/auth';
import { sessionDetails } from '@/lib/server/views';
import { Countdown } from '../components/countdown';
import { SignOutButton } from '../components/sign-out-button';

export const metadata: Metadata = { title: 'Dashboard' };

export default async function DashboardPage() {
  const signedIn = await requireUser();
  const { user } = signedIn;
  const session = await sessionDetails(signedIn);
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
          <dd data-testid="signed-in-since">{session ? date(session.signedInAt) : 'unknown'}</dd>
          <dt>Access token expires</dt>
          <dd>
            <Countdown expiresAt={signedIn.session.expiresAt} />
          </dd>
          <dt>Session ends at the latest</dt>
          <dd>{session ? date(session.endsAt) : 'unknown'}</dd>
          <dt>Device</dt>
          <dd data-testid="device">{session?.userAgent ?? 'unknown'}</dd>
          <dt>Refreshes so far</dt>
          <dd data-testid="generation">{session?.refreshes ?? 0}</dd>
          <dt>Access token id</dt>
          <dd>
            <code data-testid="access-jti">{signedIn.session.tokenId}</code>
          </dd>
          <dt>Signed in with</dt>
          <dd data-testid="signed-in-with">
            {describeSignIn(signedIn.session.amr)} <code>amr: {signedIn.session.amr.join(', ') || 'none'}</code>
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
