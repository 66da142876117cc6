import type { ReactNode } from 'react';
import { hasCode } from '@/lib/edge/errors';
import { requireUser } from '@/lib/server/auth';
import { SessionUnavailable } from '../components/session-unavailable';

/**
 * The sign-in check, before loading.tsx's boundary starts the stream: a redirect is then a real
 * 307, and a session that cannot be checked gets the "try again" view rendered right here
 * instead of a streamed error. The page checks again (memoised: the same answer) because
 * layouts do not re-run on client-side navigation; there, app/error.tsx shows the same view.
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  try {
    await requireUser();
  } catch (error) {
    // Rendered here, on the server, before anything streams: a plain page (200) that works
    // without JavaScript, keeps the cookies and offers a retry; the page below never renders.
    if (hasCode(error, 'temporarily_unavailable')) return <SessionUnavailable />;
    throw error;
  }
  return children;
}
