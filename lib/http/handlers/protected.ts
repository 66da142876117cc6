import { ForbiddenError, InvalidTokenError } from '../../edge/errors';
import { assertAdminSignInStrength } from '../../auth/sign-in-strength';
import type { Gatehouse, SignedIn } from '../../auth/gatehouse';
import { errorResponse, json } from '../responses';

/**
 * Who is calling, for an API route: the same reader as auth() in pages (Gatehouse.authenticate:
 * bearer header or access cookie, no I/O), with "no credential" as a 401 rather than null.
 */
async function signedIn(request: Request, gh: Gatehouse): Promise<SignedIn> {
  const who = await gh.authenticate(request.headers);
  if (!who) throw new InvalidTokenError('missing', 'no access token');
  return who;
}

const userOf = ({ user, session }: SignedIn) => ({
  id: user.id,
  name: user.name,
  admin: user.admin,
  session_id: session.id,
  amr: session.amr,
});

/** GET /api/private — the tutorial's /private: any signed-in user. */
export async function handlePrivate(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const who = await signedIn(request, gh);
    return json({ message: `Welcome ${who.user.name}!`, user: userOf(who) });
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * GET /api/admin — the tutorial's /admin: admins only; other signed-in users get 403.
 * Admin surfaces also confirm the session and the user in the database, so a sign-out, a ban
 * or lost admin rights count at once here, not at the next refresh; a database that does not
 * answer is a 503, never a 401 that would read as "signed out".
 */
export async function handleAdmin(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const who = await signedIn(request, gh);
    if (!who.user.admin) throw new ForbiddenError('admin rights required');
    const confirmed = await gh.confirm(who);
    if (!confirmed.user.admin) throw new ForbiddenError('admin rights required');
    // An admin with a second factor must have signed in with it (401 per RFC 9470).
    await assertAdminSignInStrength(gh.views.secondFactors, confirmed);
    return json({ message: `Welcome to the admin area, ${confirmed.user.name}!`, user: userOf(confirmed) });
  } catch (error) {
    return errorResponse(error);
  }
}
