import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { loginPath, ROUTES } from '@/lib/edge/routes';
import { accountOverview } from '@/lib/server/account';
import { describeSignIn, requireUser } from '@/lib/server/auth';
import { PasskeysCard } from './passkeys-card';
import { PasswordForm } from './password-form';
import { SessionActions } from './session-actions';
import { SessionsTable, type SessionRow } from './sessions-table';
import { TwoFactorCard } from './two-factor-card';

export const metadata: Metadata = { title: 'Your account' };

/** "2026-01-01 09:30 UTC": the same for every visitor, so server and browser render alike. */
const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * No loading.tsx here, on purpose: its Suspense boundary would stream this page, and forms
 * bound to useActionState encode their action asynchronously while rendering on the server,
 * so they always land after the fallback, swapped in by script. Without JavaScript the
 * visitor would see "Loading…" for good. The data is a few indexed reads; the page waits.
 */
export default async function AccountPage() {
  const signedIn = await requireUser();
  // Confirmed in the database: a session revoked from another browser a moment ago is signed
  // out here, even while its access token is still good.
  const overview = await accountOverview(signedIn);
  if (!overview) redirect(loginPath(ROUTES.account.path));
  const { profile, sessions } = overview;
  const rows: SessionRow[] = sessions.map((s) => ({
    id: s.id,
    current: s.current,
    device: s.device,
    userAgent: s.userAgent,
    ip: s.ip,
    signedIn: { iso: new Date(s.createdAt).toISOString(), text: when(s.createdAt) },
    lastActive: { iso: new Date(s.lastActiveAt).toISOString(), text: when(s.lastActiveAt) },
    signedInWith: describeSignIn(s.amr),
  }));

  return (
    <main>
      <div className="card">
        <h1>Your account</h1>
        <dl className="facts">
          <dt>Name</dt>
          <dd data-testid="account-name">{profile.name}</dd>
          <dt>Username</dt>
          <dd data-testid="account-username">{profile.username}</dd>
        </dl>
      </div>
      <div className="card">
        <h2 id="sessions-heading">Your sessions</h2>
        <p className="muted">
          Every browser and app signed in to your account. If you do not recognise one, revoke it and change
          your password.
        </p>
        <SessionsTable sessions={rows} />
        <SessionActions />
      </div>
      <div className="card">
        <h2 id="password-heading">Change password</h2>
        <p className="muted">Changing it signs out every other session; this one stays signed in.</p>
        <PasswordForm username={profile.username} />
      </div>
      <PasskeysCard signedIn={signedIn} />
      <TwoFactorCard signedIn={signedIn} />
    </main>
  );
}
