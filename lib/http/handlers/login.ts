import type { Gatehouse } from '../../auth/gatehouse';
import { isAuthError } from '../../edge/errors';
import { assertSameOrigin } from '../../edge/origin';
import { loginPath, secondStepPath } from '../../edge/routes';
import { safeNextPath } from '../../edge/safe-redirect';
import { isFormNavigation, readBody, type ParsedBody } from '../body';
import { cookieHeaders, setCookieLine } from '../cookies';
import { mfaCookie, mfaTokenOf } from '../mfa-cookie';
import { errorResponse, fromBrowser, json, seeOther, tokenBody } from '../responses';
import { signIn } from '../sign-in';

/**
 * POST /api/auth/login — form or JSON `username`, `password`, optional `next`.
 * JSON clients (JSON body or `Accept: application/json`) get the token pair as JSON (browsers
 * without the tokens: see tokenBody); a plain form post gets a 303 to the safe `next`, or back
 * to /login with the error on failure. All get the cookies. For an account with a second factor
 * JSON clients get `401 mfa_required` with `mfa_token` (for POST /api/auth/mfa); a form post
 * goes on to the second step's page, the token in a short-lived httpOnly cookie.
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
    const { pair, cookies } = await signIn(gh, body.fields, request.headers);
    const headers = cookieHeaders(cookies.map(setCookieLine));
    if (asJson) return json(tokenBody(pair, !fromBrowser(request)), { headers });
    return seeOther(safeNextPath(rawNext), headers);
  } catch (error) {
    if (asJson || !isAuthError(error)) return errorResponse(error);
    const next = safeNextPath(rawNext, '') || null;
    const mfaToken = mfaTokenOf(error);
    if (mfaToken) {
      const headers = cookieHeaders([setCookieLine(mfaCookie(gh.config, mfaToken))]);
      return seeOther(secondStepPath(next), headers);
    }
    const why: Record<string, string> = { error: error.code };
    const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
    if (typeof retryAfter === 'number') why.retry_after = String(retryAfter);
    return seeOther(loginPath(next, why));
  }
}
