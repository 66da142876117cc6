import type { ReactNode } from 'react';
import { requireUser } from '@/lib/server/auth';

/**
 * The sign-in check, before loading.tsx's boundary starts the stream: a redirect is then a real
 * 307, and a session that cannot be checked fails the whole response (app/error.tsx shows
 * "try again") instead of a 200 whose Suspense boundary the browser must re-render. The page
 * checks again (memoised: the same answer) because layouts do not re-run on client-side
 * navigation.
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  await requireUser();
  return children;
}
