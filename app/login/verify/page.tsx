import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { hasCode } from '@/lib/edge/errors';
import { safeNextPath } from '@/lib/edge/safe-redirect';
import { confirmedAuth } from '@/lib/server/auth';
import { hasSecondStep } from '@/lib/server/second-step';
import { SignedOut } from '../../components/signed-out';
import { StepOver } from './step-over';
import { VerifyForm } from './verify-form';

export const metadata: Metadata = { title: 'Two-step verification' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * The second sign-in step: a right password (or a reset link) sent the browser here with the
 * step token in an httpOnly cookie; the code (or a recovery code) finishes the sign-in.
 * Without that cookie there is nothing to finish, and the page says to sign in again.
 */
export default async function VerifyPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const next = safeNextPath(typeof params.next === 'string' ? params.next : undefined);
  const nextParam = safeNextPath(typeof params.next === 'string' ? params.next : undefined, '') || null;
  const recovery = params.recovery === '1';
  // POST /api/auth/mfa's form posts come back here naming the error.
  const code = typeof params.error === 'string' ? params.error.slice(0, 40) : null;
  const wait =
    typeof params.retry_after === 'string' && /^\d{1,6}$/.test(params.retry_after)
      ? Number(params.retry_after)
      : null;
  const error = code ? { code, retryAfter: wait } : null;

  // A step in progress is shown even to a visitor who is signed in: a page that wants a second
  // factor sent them to sign in again (finishing replaces that session). Without one, a
  // signed-in visitor goes on, as /login sends them; a database that does not answer shows the page.
  const pending = await hasSecondStep();
  if (!pending) {
    const signedIn = await confirmedAuth().catch((failure: unknown) => {
      if (hasCode(failure, 'temporarily_unavailable')) return null;
      throw failure;
    });
    if (signedIn) redirect(next);
  }

  return (
    <main>
      <div className="card narrow">
        <h1>Two-step verification</h1>
        {pending ? (
          <VerifyForm next={next} nextParam={nextParam} recovery={recovery} initialError={error} />
        ) : (
          <StepOver next={nextParam} />
        )}
      </div>
      <SignedOut />
    </main>
  );
}
