'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { hasCode, InvalidMfaTokenError, isAuthError } from '../edge/errors';
import { assertSameOriginHeaders } from '../edge/origin';
import { safeNextPath } from '../edge/safe-redirect';
import { readMfaCookie } from '../http/mfa-cookie';
import { completeSecondStep } from '../http/second-step';
import { setCookies, stringField } from './form';
import { getGatehouse } from './runtime';
import { forgetSecondStep } from './second-step';

/**
 * The second sign-in step's form (app/login/verify) as a Server Action: the code (or a
 * recovery code) and the step token from this browser's cookie, through exactly what POST
 * /api/auth/mfa uses (lib/http/second-step.ts). Works without JavaScript like the sign-in form.
 */
export interface SecondStepState {
  /**
   * A stable code: `invalid_code`, `too_many_attempts` (with seconds to wait), `invalid_mfa_token`
   * (the step is over: the page says so and offers sign-in again), `invalid_request`, ….
   */
  readonly error: { readonly code: string; readonly retryAfter?: number | null } | null;
}

export async function verifySecondStep(_previous: SecondStepState, form: FormData): Promise<SecondStepState> {
  const code = stringField(form, 'code');
  const next = safeNextPath(stringField(form, 'next'));
  const gh = await getGatehouse();
  const h = await headers();
  try {
    assertSameOriginHeaders(h, gh.config.publicUrl);
    if (!readMfaCookie(gh.config, h.get('cookie'))) throw new InvalidMfaTokenError();
    // Only the cookie names the step: a token typed into the form would be one from elsewhere.
    const { cookies: issued } = await completeSecondStep(gh, { code }, h);
    await setCookies(issued);
  } catch (error) {
    // Every refusal has a code the page can explain; anything else is a bug or an outage, for
    // the error boundary (which offers "try again").
    if (!isAuthError(error) || (error.status >= 500 && error.code !== 'server_busy')) throw error;
    if (hasCode(error, 'invalid_mfa_token')) await forgetSecondStep(gh);
    const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
    return { error: { code: error.code, retryAfter: typeof retryAfter === 'number' ? retryAfter : null } };
  }
  // Outside the try: redirect() works by throwing.
  redirect(next);
}
