import type { ReactNode } from 'react';
import { hasCode } from '@/lib/edge/errors';
import { requireUser } from '@/lib/server/auth';
import { SessionUnavailable } from '../components/session-unavailable';

/**
 * The sign-in check, as in app/dashboard/layout.tsx: a redirect is a real 307, and a session
 * that cannot be checked gets the "try again" view rendered here, a plain page that works
 * without JavaScript. The page checks again: layouts do not re-run on client-side navigation.
 */
export default async function AccountLayout({ children }: { children: ReactNode }) {
  try {
    await requireUser();
  } catch (error) {
    if (hasCode(error, 'temporarily_unavailable')) return <SessionUnavailable />;
    throw error;
  }
  return children;
}
