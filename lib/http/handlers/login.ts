import { InvalidRequestError, isAuthError } from '../../edge/errors';
import type { Gatehouse } from '../../auth/gatehouse';
import { MAX_PASSWORD_LENGTH } from '../../auth/passwords';
import { isFormNavigation, readBody, requireField, type ParsedBody } from '../body';
import { readCookie } from '../../edge/cookies';
import { authCookieHeaders, cookieHeaders, deviceCookieHeader, readAuthCookies } from '../cookies';
import { assertSameOrigin } from '../origin';
import { requestMeta } from '../request-meta';
import { errorResponse, fromBrowser, json, seeOther, tokenBody } from '../responses';
import { safeNextPath } from '../../edge/safe-redirect';

export const MAX_USERNAME_LENGTH = 128;

/**
 * POST /api/auth/login — form or JSON `username`, `password`, optional `next`.
 * JSON clients (JSON body or `Accept: application/json`) get the token pair as JSON (browsers
 * without the tokens: see tokenBody); a plain form post gets a 303 to the safe `next`, or back
 * to /login with the error on failure. All get the cookies.
 */
export async function handleLogin(request: Request, gh: Gatehouse): Promise<Response> {
  let body: ParsedBody;
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    body = await readBody(request);
  } catch (error) {
    return errorResponse(error);
  }
  const asJson = !isFormNavigation(request);
  const rawNext = body.fields.next;

  try {
    const username = requireField(body.fields, 'username', MAX_USERNAME_LENGTH);
    // No account name has control characters; a NUL would even make PostgreSQL fail the lookup.
    if (/\p{Cc}/u.test(username)) throw new InvalidRequestError('"username" has control characters');
    const password = requireField(body.fields, 'password', MAX_PASSWORD_LENGTH);
    const meta = await requestMeta(request, gh.keyring, gh.clock());
    const cookie = request.headers.get('cookie');
    const pair = await gh.sessions.login(username, password, meta, { readCookie: (name) => readCookie(cookie, name).value });

    // Signing in over an existing session replaces it rather than leaving it alive unseen.
    const previous = readAuthCookies(request, gh.config).refresh;
    if (previous) await gh.sessions.logout({ refreshToken: previous }, meta);

    const lines = authCookieHeaders(gh.config, pair, gh.clock());
    if (pair.device) lines.push(deviceCookieHeader(gh.config, pair.device));
    const headers = cookieHeaders(lines);
    if (asJson) return json(tokenBody(pair, !fromBrowser(request)), { headers });
    return seeOther(safeNextPath(rawNext), headers);
  } catch (error) {
    if (asJson || !isAuthError(error)) return errorResponse(error);
    const query = new URLSearchParams({ error: error.code });
    const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
    if (typeof retryAfter === 'number') query.set('retry_after', String(retryAfter));
    const next = safeNextPath(rawNext, '');
    if (next) query.set('next', next);
    return seeOther(`/login?${query}`);
  }
}
