import { hasCode, InvalidRequestError, UnsupportedGrantTypeError } from '../../edge/errors';
import type { Gatehouse } from '../../auth/gatehouse';
import { readBody } from '../body';
import { authCookieHeaders, clearAuthCookieHeaders, cookieHeaders, readAuthCookies } from '../cookies';
import { assertSameOrigin } from '../../edge/origin';
import { errorResponse, fromBrowser, json, tokenBody } from '../responses';

/**
 * POST /api/auth/token — the tutorial's /token. The refresh token comes from the form/JSON
 * field `refresh_token` or, failing that, the refresh cookie. Success rotates it and answers
 * with a new pair (cookies, and JSON for API clients); any refusal is `401 invalid_grant` with
 * both cookies cleared, whatever the reason, so a thief learns nothing from the answer.
 */
export async function handleToken(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const { fields } = await readBody(request);
    if (fields.grant_type !== undefined && fields.grant_type !== 'refresh_token') {
      throw new UnsupportedGrantTypeError('only grant_type=refresh_token is supported');
    }
    const fromField = Boolean(fields.refresh_token);
    const token = fields.refresh_token || readAuthCookies(request, gh.config).refresh;
    if (!token) throw new InvalidRequestError('"refresh_token" is required (field or cookie)');

    const pair = await gh.sessions.refresh(token, await gh.requestMeta(request.headers));
    const headers = cookieHeaders(authCookieHeaders(gh.config, pair));
    // Tokens go back in the body only to a non-browser client that sent its refresh token in the
    // body. A cookie-based caller gets cookies: otherwise any script on the page could trade
    // the httpOnly refresh cookie for a readable refresh token with one fetch.
    return json(tokenBody(pair, fromField && !fromBrowser(request)), { headers });
  } catch (error) {
    if (!hasCode(error, 'invalid_grant')) return errorResponse(error);
    const headers = cookieHeaders(clearAuthCookieHeaders(gh.config));
    return json(
      { error: error.code, error_description: 'the refresh token is invalid, expired or revoked' },
      { status: 401, headers },
    );
  }
}
