import type { Gatehouse } from '../../auth/gatehouse';
import { loginPath, secondStepPath } from '../../edge/routes';
import { cookieHeaders, setCookieLine } from '../cookies';
import { mfaCookie, mfaTokenOf } from '../mfa-cookie';
import { seeOther } from '../responses';
import { signIn } from '../sign-in';
import { refusalQuery, sessionRoute } from './session-route';

/**
 * POST /api/auth/login — form or JSON `username`, `password`, optional `next`.
 * JSON clients (JSON body or `Accept: application/json`) get the token pair as JSON (browsers
 * without the tokens: see tokenBody); a plain form post gets a 303 to the safe `next`, or back
 * to /login with the error on failure. All get the cookies. For an account with a second factor
 * JSON clients get `401 mfa_required` with `mfa_token` (for POST /api/auth/mfa); a form post
 * goes on to the second step's page, the token in a short-lived httpOnly cookie.
 */
export function handleLogin(request: Request, gh: Gatehouse): Promise<Response> {
  return sessionRoute(request, gh, (fields, headers) => signIn(gh, fields, headers), {
    formRefusal(error, next) {
      const mfaToken = mfaTokenOf(error);
      if (mfaToken) {
        const headers = cookieHeaders([setCookieLine(mfaCookie(gh.config, mfaToken))]);
        return seeOther(secondStepPath(next), headers);
      }
      return seeOther(loginPath(next, refusalQuery(error)));
    },
  });
}
