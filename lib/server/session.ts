import 'server-only';
import { headers } from 'next/headers';
import { cache } from 'react';
import { forbidden, redirect } from 'next/navigation';
import type { AccessClaims } from '../edge/access-token';
import { SERVER_CLOCK_TOLERANCE } from '../auth/gatehouse';
import { readAuthCookieHeader } from '../edge/cookies';
import { verifyInternal } from '../edge/internal-header';
import { AUTH_STATE_HEADER, AUTH_UNAVAILABLE } from '../edge/routes';
import { getGatehouse } from './runtime';

/**
 * Server-side checks for pages and server components. Middleware is not the only gate: it can
 * be bypassed (CVE-2025-29927) and layouts do not re-run on client navigation, so every
 * protected page verifies the token itself. `cookies()` already holds the token the middleware
 * refreshed for this very request.
 */
export type PageAuth =
  | { readonly state: 'signed-in'; readonly user: AccessClaims }
  | { readonly state: 'signed-out' }
  /** The middleware could not reach the token endpoint: the session may well be fine. */
  | { readonly state: 'unavailable' };

/**
 * Who is signed in, from the access token alone (no I/O) — or, with `confirm`, also checked
 * against the database, so a session ended elsewhere counts at once. Memoised per request
 * (React `cache`): the layout and the page share one verification.
 */
export function getPageAuth(options: { confirm?: boolean } = {}): Promise<PageAuth> {
  return pageAuth(options.confirm === true);
}

const pageAuth = cache(async (confirm: boolean): Promise<PageAuth> => {
  // headers() first: it marks the page dynamic before anything can fail, so `next build`
  // never tries to prerender a page (or open the database) without configuration.
  const h = await headers();
  const gh = await getGatehouse();
  // The same reading as the middleware and the route handlers: a duplicated cookie counts as
  // none. The forwarded Cookie header already holds the token the middleware refreshed.
  const token = readAuthCookieHeader(h.get('cookie'), gh.config.cookieNames).access;
  if (token) {
    try {
      const claims = await gh.sessions.verifyAccess(token, { clockTolerance: SERVER_CLOCK_TOLERANCE });
      if (!confirm) return { state: 'signed-in', user: claims };
      const user = await gh.sessions.confirm(claims);
      return { state: 'signed-in', user: { ...claims, name: user.name, admin: user.admin } };
    } catch {
      // fall through: not signed in by this cookie
    }
  }
  // Believed only when the middleware signed it: a client sending the header gets nothing.
  const state = await verifyInternal(gh.keyring.macs.internal, AUTH_STATE_HEADER, h.get(AUTH_STATE_HEADER), gh.clock());
  if (state === AUTH_UNAVAILABLE) return { state: 'unavailable' };
  return { state: 'signed-out' };
});

/**
 * The signed-in user, or a redirect to /login?next=`path`. Returns `null` when the session
 * could not be checked (token endpoint unavailable): render a "try again" state, not a login
 * redirect that would throw a healthy session away.
 */
export async function requireUser(path: string, options: { confirm?: boolean } = {}): Promise<AccessClaims | null> {
  const auth = await getPageAuth(options);
  if (auth.state === 'signed-in') return auth.user;
  if (auth.state === 'unavailable') return null;
  redirect(`/login?${new URLSearchParams({ next: path })}`);
}

/**
 * As requireUser, confirmed against the database (admin rights and the session as they are
 * now), and a 403 page (real 403 status) for signed-in users who are not admins.
 */
export async function requireAdmin(path: string): Promise<AccessClaims | null> {
  const user = await requireUser(path, { confirm: true });
  if (user && !user.admin) forbidden();
  return user;
}
