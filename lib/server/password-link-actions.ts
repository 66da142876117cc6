'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { readAuthCookieHeader } from '../edge/cookies';
import { isAuthError } from '../edge/errors';
import { assertSameOriginHeaders } from '../edge/origin';
import { AFTER_SIGN_IN } from '../edge/routes';
import { authCookies } from '../http/cookies';
import { setCookies, stringField } from './form';
import { getGatehouse } from './runtime';
import { goToSecondStep, mfaTokenOf } from './second-step';

/**
 * The set-a-password form's post (app/reset-password): the only request that uses a one-time
 * link up. It works without JavaScript (a plain post answered with a redirect or the form
 * again). The middleware has already refused a cross-origin post; the check here holds when
 * it did not run.
 */
export interface SetPasswordState {
  /**
   * A stable code: `invalid_link` (the page then says the link cannot be used), `mismatch`,
   * `invalid_request`, `weak_password` (with the policy's reason), `server_busy`, ….
   */
  readonly error: { readonly code: string; readonly reason?: string } | null;
}

export async function setPasswordWithLink(
  _previous: SetPasswordState,
  form: FormData,
): Promise<SetPasswordState> {
  const token = stringField(form, 'token') ?? '';
  const password = stringField(form, 'password');
  const confirm = stringField(form, 'confirm');
  const gh = await getGatehouse();
  const h = await headers();
  let mfaToken: string | null = null;
  try {
    assertSameOriginHeaders(h, gh.config.publicUrl);
    if (!password || confirm === undefined) return { error: { code: 'invalid_request' } };
    // Compared before anything is hashed or written: a typo costs nothing, and uses nothing up.
    if (password !== confirm) return { error: { code: 'mismatch' } };
    const meta = await gh.requestMeta(h);
    const pair = await gh.passwordLinks.redeem(token, password, meta);
    // A session this browser had (perhaps another account's) is replaced, not left alive unseen;
    // one of the same account has just ended with all the others.
    const previous = readAuthCookieHeader(h.get('cookie'), gh.config.cookieNames).refresh;
    if (previous) await gh.sessions.logout({ refreshToken: previous }, meta);
    await setCookies(authCookies(gh.config, pair));
  } catch (error) {
    // The password is set; an account with a second factor goes on to the code.
    mfaToken = mfaTokenOf(error);
    if (!mfaToken) {
      // Every refusal has a code the form can explain; anything else is a bug or an outage, for
      // the error boundary (which offers "try again").
      if (!isAuthError(error) || (error.status >= 500 && error.code !== 'server_busy')) throw error;
      if (error.code === 'weak_password') return { error: { code: error.code, reason: error.message } };
      return { error: { code: error.code } };
    }
  }
  // Outside the try: redirect() works by throwing. The new URL carries no token.
  if (mfaToken) return goToSecondStep(gh, mfaToken, null);
  redirect(AFTER_SIGN_IN);
}
