import { redirect } from 'next/navigation';
import { loginPath, ROUTES } from '@/lib/edge/routes';
import type { SignedIn } from '@/lib/server/auth';
import { twoFactorOverview } from '@/lib/server/two-factor';
import { TwoFactorPanel } from './two-factor-panel';

/** "2026-01-01 09:30 UTC", as the rest of the account page writes times. */
const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The authenticator-app (TOTP) card of the account page. */
export async function TwoFactorCard({ signedIn }: { signedIn: SignedIn }) {
  const overview = await twoFactorOverview(signedIn);
  if (!overview) redirect(loginPath(ROUTES.account.path));
  const { status, username } = overview;
  return (
    <div className="card" id="two-factor">
      <h2 id="two-factor-heading">Authenticator app</h2>
      <TwoFactorPanel
        status={status}
        username={username}
        enabledSince={status.enabledAt === null ? null : when(status.enabledAt)}
      />
    </div>
  );
}
