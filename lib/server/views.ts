import 'server-only';
import type { AdminOverview, SessionDetails } from '../auth/views';
import { requireAdmin, type SignedIn } from './auth';
import { getGatehouse } from './runtime';

export type { AdminOverview, SessionDetails } from '../auth/views';

/**
 * Read models for pages: what a page shows, fetched for it, so no page touches the store. A
 * database that does not answer throws UnavailableError, which app/error.tsx shows as "try
 * again" (never a redirect to sign-in).
 */
export async function sessionDetails(signedIn: SignedIn): Promise<SessionDetails | null> {
  return (await getGatehouse()).views.sessionDetails(signedIn.session.id, signedIn.user.id);
}

/** Users and recent audit events. Checks admin rights itself: it is never shown to anyone else. */
export async function adminOverview(): Promise<AdminOverview> {
  await requireAdmin();
  return (await getGatehouse()).views.adminOverview();
}
