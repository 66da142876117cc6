import type { Gatehouse } from '../../auth/gatehouse';
import { hasCode, isAuthError } from '../../edge/errors';
import { assertSameOrigin } from '../../edge/origin';
import { loginPath, secondStepPath } from '../../edge/routes';
import { safeNextPath } from '../../edge/safe-redirect';
import { isFormNavigation, readBody, type ParsedBody } from '../body';
import { cookieHeaders, setCookieLine } from '../cookies';
import { clearedMfaCookie, readMfaCookie } from '../mfa-cookie';
import { errorResponse, fromBrowser, json, seeOther, tokenBody } from '../responses';
import { completeSecondStep } from '../second-step';

/**
 * POST /api/auth/mfa — JSON or form `mfa_token` (what `401 mfa_required` gave; a browser may
 * rely on the step cookie instead), `code` (6 digits, or a recovery code), optional `next`.
 * Answers exactly like POST /api/auth/login: the token pair as JSON (browsers without the
 * tokens), the cookies (device cookie included); a plain form post gets a 303 to the safe
 * `next`, or back to the second step (or, once the step is over, to /login) with the error.
 * `401 invalid_code` (counted), `401 invalid_mfa_token` (sign in again), `429` as at sign-in.
 */
export async function handleMfa(request: Request, gh: Gatehouse): Promise<Response> {
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
    const { pair, cookies } = await completeSecondStep(gh, body.fields, request.headers);
    const headers = cookieHeaders(cookies.map(setCookieLine));
    if (asJson) return json(tokenBody(pair, !fromBrowser(request)), { headers });
    return seeOther(safeNextPath(rawNext), headers);
  } catch (error) {
    // A step that is over is over for the browser too: its cookie goes.
    const over =
      hasCode(error, 'invalid_mfa_token') && readMfaCookie(gh.config, request.headers.get('cookie'));
    const headers = cookieHeaders(over ? [setCookieLine(clearedMfaCookie(gh.config))] : []);
    if (asJson || !isAuthError(error)) return errorResponse(error, headers);
    const why: Record<string, string> = { error: error.code };
    const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
    if (typeof retryAfter === 'number') why.retry_after = String(retryAfter);
    const next = safeNextPath(rawNext, '') || null;
    return seeOther(
      hasCode(error, 'invalid_mfa_token') ? loginPath(next, why) : secondStepPath(next, why),
      headers,
    );
  }
}
