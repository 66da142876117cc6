import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { safeNextPath } from '@/lib/edge/safe-redirect';
import { hasCode } from '@/lib/edge/errors';
import { confirmedAuth } from '@/lib/server/auth';
import { SignedOut } from '../components/signed-out';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const next = safeNextPath(typeof params.next === 'string' ? params.next : undefined);
  // server.ts answers a flood of sign-ins before Next.js runs, with a redirect here that names
  // the error; the form's own refusals come back as the action's state instead.
  const code = typeof params.error === 'string' ? params.error.slice(0, 40) : null;
  const wait =
    typeof params.retry_after === 'string' && /^\d{1,6}$/.test(params.retry_after)
      ? Number(params.retry_after)
      : null;
  const error = code ? { code, retryAfter: wait } : null;

  // Already signed in: go on to where they were heading. Confirmed against the database, so a
  // session that /admin refused (ended elsewhere) gets the form here, not a redirect loop.
  // A database that does not answer just shows the form.
  const signedIn = await confirmedAuth().catch((error: unknown) => {
    if (hasCode(error, 'temporarily_unavailable')) return null;
    throw error;
  });
  if (signedIn) redirect(next);

  return (
    <main>
      <div className="card narrow">
        <h1>Sign in</h1>
        <LoginForm next={next} initialError={error} />
      </div>
      <SignedOut />
    </main>
  );
}
