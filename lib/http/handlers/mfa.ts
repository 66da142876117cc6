import type { Gatehouse } from '../../auth/gatehouse';
import { hasCode } from '../../edge/errors';
import { loginPath, secondStepPath } from '../../edge/routes';
import { cookieHeaders, setCookieLine } from '../cookies';
import { clearedMfaCookie, readMfaCookie } from '../mfa-cookie';
import { seeOther } from '../responses';
import { completeSecondStep } from '../second-step';
import { refusalQuery, sessionRoute } from './session-route';

/**
 * POST /api/auth/mfa — JSON or form `mfa_token` (what `401 mfa_required` gave; a browser may
 * rely on the step cookie instead), `code` (6 digits, or a recovery code), optional `next`.
 * Answers exactly like POST /api/auth/login: the token pair as JSON (browsers without the
 * tokens), the cookies (device cookie included); a plain form post gets a 303 to the safe
 * `next`, or back to the second step (or, once the step is over, to /login) with the error.
 * `401 invalid_code` (counted), `401 invalid_mfa_token` (sign in again), `429` as at sign-in.
 */
export function handleMfa(request: Request, gh: Gatehouse): Promise<Response> {
  // A step that is over is over for the browser too: its cookie goes.
  const stepOver = (error: unknown) =>
    hasCode(error, 'invalid_mfa_token') && Boolean(readMfaCookie(gh.config, request.headers.get('cookie')));
  return sessionRoute(request, gh, (fields, headers) => completeSecondStep(gh, fields, headers), {
    refusalHeaders: (error) =>
      cookieHeaders(stepOver(error) ? [setCookieLine(clearedMfaCookie(gh.config))] : []),
    formRefusal(error, next, headers) {
      const where = hasCode(error, 'invalid_mfa_token') ? loginPath : secondStepPath;
      return seeOther(where(next, refusalQuery(error)), headers);
    },
  });
}
