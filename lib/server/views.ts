import 'server-only';
import type { AuditFilterInput, AuditPage, UserDetail, UserPage, UserSearchInput } from '../auth/admin';
import type { SecondFactors } from '../auth/sign-in-strength';
import type { SessionDetails } from '../auth/views';
import { requireAdmin, type SignedIn } from './auth';
import { getGatehouse } from './runtime';

export type { SessionDetails } from '../auth/views';
export type { AuditEntry, AuditPage, SessionSummary, UserDetail, UserPage, UserSummary } from '../auth/admin';
export { DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, MAX_QUERY_LENGTH } from '../auth/admin';
export { AUTH_EVENT_TYPES, type AuthEventType } from '../auth/store';

/**
 * Read models for pages: what a page shows, fetched for it, so no page touches the store. A
 * database that does not answer throws UnavailableError, which app/error.tsx shows as "try
 * again" (never a redirect to sign-in).
 */
export async function sessionDetails(signedIn: SignedIn): Promise<SessionDetails | null> {
  return (await getGatehouse()).views.sessionDetails(signedIn.session.id, signedIn.user.id);
}

/** Which second factors the signed-in user has (for pages that explain what a sign-in can use). */
export async function secondFactors(signedIn: SignedIn): Promise<SecondFactors> {
  return (await getGatehouse()).views.secondFactors(signedIn.user.id);
}

/*
 * The admin console's read models. Each checks admin rights itself (requireAdmin, memoised per
 * request), and the console confirms the admin in the database again: never shown to anyone else.
 * Bad input is an AuthError with a code (invalid_request, unknown_user) for the page to handle.
 */

/** Users matching a search, a page of them, with the total. */
export async function adminUsers(search: UserSearchInput): Promise<UserPage> {
  const me = await requireAdmin();
  return (await getGatehouse()).admin.searchUsers(me, search);
}

/** One user: profile, live sessions, recent events. UnknownUserError for an unknown or deleted id. */
export async function adminUser(userId: string): Promise<UserDetail> {
  const me = await requireAdmin();
  return (await getGatehouse()).admin.userDetail(me, userId);
}

/** The audit trail, filtered and paged. */
export async function adminAudit(filter: AuditFilterInput): Promise<AuditPage> {
  const me = await requireAdmin();
  return (await getGatehouse()).admin.auditTrail(me, filter);
}

/** How many users the overview lists per page. */
const OVERVIEW_PAGE_SIZE = 25;

/** The /admin overview: a page of users for a search, and the latest events. */
export async function adminOverview(
  query: string,
  page: number,
): Promise<{ users: UserPage; recent: AuditPage }> {
  const [users, recent] = await Promise.all([
    adminUsers({ query, page, pageSize: OVERVIEW_PAGE_SIZE }),
    adminAudit({ pageSize: 10 }),
  ]);
  return { users, recent };
}
