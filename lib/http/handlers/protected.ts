import type { AccessClaims } from '../../edge/access-token';
import { ForbiddenError, InvalidTokenError } from '../../edge/errors';
import { SERVER_CLOCK_TOLERANCE, type Gatehouse } from '../../auth/gatehouse';
import { readAuthCookies } from '../cookies';
import { bearerToken } from '../request-meta';
import { errorResponse, json } from '../responses';

/**
 * The access token of a request: `Authorization: Bearer` when the header is present (and
 * then only it), else the access cookie. Verified without I/O.
 */
export async function authenticate(request: Request, gh: Gatehouse): Promise<AccessClaims> {
  const bearer = bearerToken(request);
  if (bearer === '') throw new InvalidTokenError('malformed', 'Authorization must be "Bearer <token>"');
  const token = bearer ?? readAuthCookies(request, gh.config).access;
  return gh.sessions.verifyAccess(token, { clockTolerance: SERVER_CLOCK_TOLERANCE });
}

const userOf = (c: AccessClaims) => ({ id: c.sub, name: c.name, admin: c.admin, session_id: c.sid });

/** GET /api/private — the tutorial's /private: any signed-in user. */
export async function handlePrivate(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const claims = await authenticate(request, gh);
    return json({ message: `Welcome ${claims.name}!`, user: userOf(claims) });
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * GET /api/admin — the tutorial's /admin: admins only; other signed-in users get 403.
 * Admin surfaces also confirm the session and the user in the database, so a sign-out, a ban
 * or lost admin rights count at once here, not at the next refresh.
 */
export async function handleAdmin(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const claims = await authenticate(request, gh);
    if (!claims.admin) throw new ForbiddenError('admin rights required');
    const user = await gh.sessions.confirm(claims);
    if (!user.admin) throw new ForbiddenError('admin rights required');
    return json({ message: `Welcome to the admin area, ${user.name}!`, user: userOf(claims) });
  } catch (error) {
    return errorResponse(error);
  }
}
