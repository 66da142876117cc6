import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { safeNextPath } from '@/lib/edge/safe-redirect';
import { getPageAuth } from '@/lib/server/session';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const next = safeNextPath(typeof params.next === 'string' ? params.next : undefined);
  const code = typeof params.error === 'string' ? params.error.slice(0, 40) : null;
  const wait = typeof params.retry_after === 'string' && /^\d{1,6}$/.test(params.retry_after) ? Number(params.retry_after) : null;
  const error = code ? { code, retryAfter: wait } : null;

  // Already signed in: go on to where they were heading. Confirmed against the database, so a
  // session that /admin refused (ended elsewhere) gets the form here, not a redirect loop.
  if ((await getPageAuth({ confirm: true })).state === 'signed-in') redirect(next);

  return (
    <main>
      <div className="card" style={{ maxWidth: '24rem', margin: '0 auto' }}>
        <h1>Sign in</h1>
        <LoginForm next={next} initialError={error} />
      </div>
    </main>
  );
}
