'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { useSession } from '@/lib/client/session';

/**
 * Placed on a page whose own check found nobody signed in. The root layout does not re-render
 * on client-side navigation, so after the middleware has sent a tab here (a session ended
 * elsewhere) the header can still show the old user: one refresh lets the header catch up,
 * and the provider tells the other tabs. If the layout still disagrees (its check reads the
 * token alone, this page's the database), the status does not change and nothing repeats.
 */
export function SignedOut() {
  const { status } = useSession();
  const router = useRouter();
  useEffect(() => {
    if (status === 'authenticated') router.refresh();
  }, [status, router]);
  return null;
}
