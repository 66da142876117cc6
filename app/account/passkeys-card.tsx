import type { SignedIn } from '@/lib/server/auth';
import { passkeysOverview } from '@/lib/server/passkeys';
import { AddPasskey } from './add-passkey';
import { PasskeysTable, type PasskeyRow } from './passkeys-table';

/** "2026-01-01 09:30 UTC", as the sessions table shows its dates. */
const when = (ms: number) => ({
  iso: new Date(ms).toISOString(),
  text: `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
});

/**
 * The passkeys card of the account page: the user's passkeys (renamed and removed with forms
 * that work without JavaScript) and "Add a passkey" (which needs the browser's WebAuthn API).
 */
export async function PasskeysCard({ signedIn }: { signedIn: SignedIn }) {
  const overview = await passkeysOverview(signedIn);
  // The session ended while the page rendered: the page's own check sends the visitor on.
  if (!overview) return null;
  const rows: PasskeyRow[] = overview.available
    ? overview.passkeys.map((p) => ({
        id: p.id,
        name: p.name,
        synced: p.synced,
        added: when(p.createdAt),
        lastUsed: p.lastUsedAt === null ? null : when(p.lastUsedAt),
      }))
    : [];
  return (
    <div className="card" data-testid="passkeys-card">
      <h2 id="passkeys-heading">Passkeys</h2>
      <p className="muted">
        Sign in with your fingerprint, face or screen lock instead of your password. A passkey is bound to
        this site, so it cannot be phished, and it counts as two factors.
      </p>
      {overview.available ? (
        <>
          <PasskeysTable passkeys={rows} />
          <AddPasskey />
        </>
      ) : (
        <p className="muted" data-testid="passkeys-unavailable">
          Passkeys are not available on this server.
        </p>
      )}
    </div>
  );
}
