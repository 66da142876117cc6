import type { AccountSession } from '../../auth/account';
import type { Gatehouse, SignedIn } from '../../auth/gatehouse';
import { MAX_PASSWORD_LENGTH } from '../../auth/passwords';
import { readCookie } from '../../edge/cookies';
import { InvalidRequestError, InvalidTokenError } from '../../edge/errors';
import { assertSameOrigin } from '../../edge/origin';
import { readBody, requireField } from '../body';
import { clearAuthCookieHeaders, cookieHeaders, deviceCookie, setCookieLine } from '../cookies';
import { errorResponse, json } from '../responses';

/**
 * The account API: a signed-in user's own sessions and password. The caller is who the bearer
 * token or the access cookie says (Gatehouse.authenticate), and the account service confirms
 * that session in the database before acting. These routes are under /api/auth, which the
 * middleware does not refresh for: a client whose access token has expired gets 401
 * `invalid_token`, refreshes at /api/auth/token and retries, as the tutorial's clients do.
 * Every write is refused cross-origin (403), like every other POST.
 */
async function caller(request: Request, gh: Gatehouse): Promise<SignedIn> {
  const who = await gh.authenticate(request.headers);
  if (!who) throw new InvalidTokenError('missing', 'no access token');
  return who;
}

/** The wire form of a session: snake_case, times as ISO 8601 (UTC). */
function sessionJson(s: AccountSession) {
  return {
    id: s.id,
    current: s.current,
    created_at: new Date(s.createdAt).toISOString(),
    last_active_at: new Date(s.lastActiveAt).toISOString(),
    ip: s.ip,
    user_agent: s.userAgent,
    device: s.device,
    amr: s.amr,
  };
}

const noContent = (headers: Headers = cookieHeaders([])) => new Response(null, { status: 204, headers });

/** GET /api/auth/sessions — `200 {"sessions": [...]}`, newest first, this one `current`. */
export async function handleListSessions(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const who = await caller(request, gh);
    return json({ sessions: (await gh.account.list(who)).map(sessionJson) });
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * DELETE /api/auth/sessions/{id} — `204`; ending the caller's own session clears its cookies.
 * An unknown id, a malformed one, another user's session and one already ended are all
 * `404 not_found`.
 */
export async function handleRevokeSession(request: Request, gh: Gatehouse, id: string): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const who = await caller(request, gh);
    const { current } = await gh.account.revoke(who, id, await gh.requestMeta(request.headers));
    return noContent(cookieHeaders(current ? clearAuthCookieHeaders(gh.config) : []));
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST /api/auth/sessions/revoke-others — `200 {"revoked": N}`; this session stays. */
export async function handleRevokeOthers(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const who = await caller(request, gh);
    return json({ revoked: await gh.account.revokeOthers(who, await gh.requestMeta(request.headers)) });
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST /api/auth/sessions/revoke-all — `204`, every session ended, this one's cookies cleared. */
export async function handleRevokeAll(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const who = await caller(request, gh);
    await gh.account.revokeAll(who, await gh.requestMeta(request.headers));
    return noContent(cookieHeaders(clearAuthCookieHeaders(gh.config)));
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * POST /api/auth/password — JSON or form `current_password`, `new_password`. `204`, every
 * other session ended, a new device cookie for this client; `400 weak_password` with the
 * policy's reason; `401 invalid_credentials` for a wrong current password; `429` as at sign-in.
 */
export async function handleChangePassword(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const who = await caller(request, gh);
    const { fields } = await readBody(request);
    const current = requireField(fields, 'current_password', MAX_PASSWORD_LENGTH);
    // Only required here: its length and the rest are the password policy's, with its reason.
    const next = fields.new_password;
    if (!next) throw new InvalidRequestError('"new_password" is required');
    const cookie = request.headers.get('cookie');
    const { device } = await gh.account.changePassword(
      who,
      { current, next },
      await gh.requestMeta(request.headers),
      (name) => readCookie(cookie, name).value,
    );
    return noContent(cookieHeaders([setCookieLine(deviceCookie(gh.config, device))]));
  } catch (error) {
    return errorResponse(error);
  }
}
