import 'server-only';
import { headers } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { cache } from 'react';
import type { SignedIn } from '../auth/gatehouse';
import { hasCode } from '../edge/errors';
import { PAGE_PATH_HEADER } from '../edge/internal-header';
import { loginPath } from '../edge/routes';
import { safeNextPath } from '../edge/safe-redirect';
import { assertAdminSignInStrength, signedInWithMfa } from '../auth/sign-in-strength';
import { getGatehouse } from './runtime';

export type { SignedIn } from '../auth/gatehouse';
export { describeSignIn, hasAny as hasAnySecondFactor, signedInWithMfa } from '../auth/sign-in-strength';

/**
 * The one door into auth for server components, route handlers and server actions.
 *
 * auth() answers "who is signed in?" from the access token alone — no I/O — and is memoised
 * per request (React `cache`), so a layout and its page share one verification. It reads
 * the request's own headers: `Authorization: Bearer` for API clients, else the access cookie
 * (which the middleware has already refreshed for this very request).
 *
 *   signed in                         → { user, session }
 *   no token, or one that fails       → null (signed out)
 *   the session could not be checked  → throws UnavailableError (503 `temporarily_unavailable`;
 *                                       pages show "try again", app/error.tsx) — never "signed out"
 *
 * The middleware is not the boundary: it can be bypassed (CVE-2025-29927) and layouts do not
 * re-run on client navigation, so every protected page calls requireUser() or requireAdmin().
 */
export const auth = cache(async (): Promise<SignedIn | null> => {
  // headers() first: it marks the page dynamic before anything can fail, so `next build`
  // never tries to prerender a page (or open the database) without configuration.
  const h = await headers();
  const gh = await getGatehouse();
  try {
    return await gh.authenticate(h);
  } catch (error) {
    // Only a token that does not verify means "signed out"; anything else propagates.
    if (hasCode(error, 'invalid_token')) return null;
    throw error;
  }
});

/** The signed-in user, or a redirect to sign-in that comes back to this page afterwards. */
export async function requireUser(): Promise<SignedIn> {
  const signedIn = await auth();
  if (signedIn) return signedIn;
  return redirect(await loginHere());
}

/**
 * As requireUser, confirmed against the database (the session still live, admin rights as
 * they are now), and a real 403 (app/forbidden.tsx) for a signed-in user who is not an admin.
 * A session ended elsewhere is signed out; a database that does not answer is "try again".
 */
export async function requireAdmin(): Promise<SignedIn> {
  const signedIn = await requireUser();
  // The database decides, not the token: rights granted or taken away count at once.
  const confirmed = await confirmed_(signedIn);
  if (!confirmed) return redirect(await loginHere());
  if (!confirmed.user.admin) forbidden();
  // An admin with a second factor must have signed in with it: back to sign-in, asking for it.
  if (!(await strongEnoughForAdmin(confirmed))) return redirect(await loginHere(STEP_UP));
  return confirmed;
}

/**
 * The admin console's sign-in strength rule for this confirmed session, memoised per request:
 * a layout, its page and each read model call requireAdmin(), and one lookup serves them all.
 */
const strongEnoughForAdmin = cache(async (confirmed: SignedIn): Promise<boolean> => {
  const gh = await getGatehouse();
  try {
    await assertAdminSignInStrength(gh.views.secondFactors, confirmed);
    return true;
  } catch (error) {
    if (hasCode(error, 'insufficient_user_authentication')) return false;
    throw error;
  }
});

/**
 * requireUser, and a sign-in with a second factor (`amr` containing `mfa`): for pages that
 * must not be reached with a password alone. Anyone else goes to sign-in, which says why and
 * comes back here after a sign-in with a passkey or a password and code.
 */
export async function requireSecondFactor(): Promise<SignedIn> {
  const signedIn = await requireUser();
  if (signedInWithMfa(signedIn)) return signedIn;
  return redirect(await loginHere(STEP_UP));
}

/** The sign-in page's query for "this page wants a second factor". */
export const STEP_UP = { step_up: 'mfa' } as const;

/** The session checked in the database; null when it has ended. Memoised per request. */
const confirmed_ = cache(async (signedIn: SignedIn): Promise<SignedIn | null> => {
  const gh = await getGatehouse();
  try {
    return await gh.confirm(signedIn);
  } catch (error) {
    if (hasCode(error, 'invalid_token')) return null;
    throw error;
  }
});

/**
 * auth(), then confirmed in the database: for the sign-in page, which must not bounce a
 * session that was ended elsewhere (and that /admin just refused) back to where it came from.
 */
export async function confirmedAuth(): Promise<SignedIn | null> {
  const signedIn = await auth();
  return signedIn ? confirmed_(signedIn) : null;
}

async function loginHere(extra: Readonly<Record<string, string>> = {}): Promise<string> {
  // The middleware names the page it forwarded; without it (middleware bypassed), no `next`.
  const path = (await headers()).get(PAGE_PATH_HEADER);
  return loginPath(path ? safeNextPath(path, '') || null : null, extra);
}
