import type { ReactNode } from 'react';
import { requireAdmin } from '@/lib/server/auth';

/**
 * The admin check, before loading.tsx's boundary starts the stream: once it has started the
 * status is fixed at 200, so a check only in the page would turn forbidden() into a 200 and
 * the sign-in redirect into a streamed one. The page checks again (memoised: no second query)
 * because layouts do not re-run on client-side navigation.
 */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  await requireAdmin();
  return children;
}
