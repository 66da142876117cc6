import type { ReactNode } from 'react';
import { hasCode } from '@/lib/edge/errors';
import { requireAdmin } from '@/lib/server/auth';
import { SessionUnavailable } from '../components/session-unavailable';

/**
 * The admin check, before loading.tsx's boundary starts the stream: once it has started the
 * status is fixed at 200, so a check only in the page would turn forbidden() into a 200 and
 * the sign-in redirect into a streamed one. The page checks again (memoised: no second query)
 * because layouts do not re-run on client-side navigation.
 */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  try {
    await requireAdmin();
  } catch (error) {
    // Rendered here, on the server, before anything streams: a plain page (200) that works
    // without JavaScript, keeps the cookies and offers a retry; the page below never renders.
    if (hasCode(error, 'temporarily_unavailable')) return <SessionUnavailable />;
    throw error;
  }
  return children;
}
