import type { ReactNode } from 'react';
import { hasCode } from '@/lib/edge/errors';
import { SessionUnavailable } from './session-unavailable';

/**
 * A protected segment's layout: the check (requireUser or requireAdmin) runs here, before any
 * loading.tsx boundary starts the stream, so a redirect is a real 307 and forbidden() a real
 * 403. A session that cannot be checked gets the "try again" view rendered right here — a
 * plain page (200) that works without JavaScript, keeps the cookies and offers a retry — and
 * the page below never renders. The page checks again (memoised: the same answer, no second
 * query) because layouts do not re-run on client-side navigation; there, app/error.tsx shows
 * the same view.
 */
export async function guarded(check: () => Promise<unknown>, children: ReactNode): Promise<ReactNode> {
  try {
    await check();
  } catch (error) {
    if (hasCode(error, 'temporarily_unavailable')) return <SessionUnavailable />;
    throw error;
  }
  return children;
}
