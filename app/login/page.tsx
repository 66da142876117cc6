import type { Metadata } from 'next';
import Link from 'next/link';
import { ROUTES } from '@/lib/edge/routes';
import { redirect } from 'next/navigation';
import { safeNextPath } from '@/lib/edge/safe-redirect';
import { hasCode } from '@/lib/edge/errors';
import { confirmedAuth, hasAnySecondFactor, signedInWithMfa } from '@/lib/server/auth';
import { passkeysOffered } from '@/lib/server/passkeys';
import { secondFactors } from '@/lib/server/views';
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
  // A page that wants a second factor sent a visitor signed in without one: they stay here to
  // sign in again with it (which replaces this session); anyone else goes on.
  const stepUp = params.step_up === 'mfa';
  if (signedIn && (!stepUp || signedInWithMfa(signedIn))) redirect(next);
  const factors = signedIn ? await secondFactors(signedIn) : null;

  return (
    <main>
      <div className="card narrow">
        <h1>Sign in</h1>
        {stepUp ? (
          <StepUpNotice
            signedIn={Boolean(signedIn)}
            hasFactor={factors ? hasAnySecondFactor(factors) : null}
          />
        ) : null}
        <LoginForm next={next} initialError={error} passkeys={await passkeysOffered()} />
      </div>
      <SignedOut />
    </main>
  );
}

/**
 * Why the form is here for someone who may be signed in already: the page they asked for wants
 * a sign-in with a second factor. An account without one is told where to add one, since no
 * sign-in here could satisfy the page.
 */
function StepUpNotice({ signedIn, hasFactor }: { signedIn: boolean; hasFactor: boolean | null }) {
  return (
    <div className="notice warn" role="status" data-testid="step-up">
      <p>
        <strong>This page asks for a stronger sign-in.</strong> Sign in with a passkey, or with your password
        and the code from your authenticator app.
      </p>
      {signedIn && hasFactor === false ? (
        <p className="muted">
          Your account has no second factor yet: add a passkey or an authenticator app on{' '}
          <Link href={ROUTES.account.path}>your account page</Link> first.
        </p>
      ) : null}
    </div>
  );
}
