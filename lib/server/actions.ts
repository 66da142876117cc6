'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { isAuthError } from '../edge/errors';
import { assertSameOriginHeaders } from '../edge/origin';
import { AFTER_SIGN_OUT } from '../edge/routes';
import { safeNextPath } from '../edge/safe-redirect';
import { signIn as signInWith, signOut as signOutWith } from '../http/sign-in';
import { setCookies, stringField } from './form';
import { getGatehouse } from './runtime';
import { goToSecondStep, mfaTokenOf } from './second-step';

/**
 * Sign-in and sign-out as Server Actions: the forms work without JavaScript (a plain post the
 * action answers with a redirect or the re-rendered form) and, with it, without a full page
 * load. They go through exactly what the JSON routes use (lib/http/sign-in.ts): the throttle,
 * the device cookie, the hashing ceiling. The middleware has already refused a cross-origin
 * post with 403; the check here holds when the middleware did not run.
 */
export interface SignInState {
  /** A stable error code (lib/edge/errors.ts) and, for too_many_attempts, seconds to wait. */
  readonly error: { readonly code: string; readonly retryAfter?: number | null } | null;
  /** What the person typed, kept so the form comes back filled in (never the password). */
  readonly username?: string;
}

export async function signIn(_previous: SignInState, form: FormData): Promise<SignInState> {
  const fields = {
    username: stringField(form, 'username'),
    password: stringField(form, 'password'),
  };
  const next = safeNextPath(stringField(form, 'next'));
  const gh = await getGatehouse();
  const h = await headers();
  let mfaToken: string | null = null;
  try {
    assertSameOriginHeaders(h, gh.config.publicUrl);
    const { cookies: issued } = await signInWith(gh, fields, h);
    await setCookies(issued);
  } catch (error) {
    mfaToken = mfaTokenOf(error);
    if (!mfaToken) {
      // Every refusal has a code the form can explain; anything else is a bug or an outage,
      // for the error boundary (which offers "try again").
      if (!isAuthError(error) || (error.status >= 500 && error.code !== 'server_busy')) throw error;
      const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
      return {
        error: { code: error.code, retryAfter: typeof retryAfter === 'number' ? retryAfter : null },
        username: fields.username?.slice(0, 128),
      };
    }
  }
  // Outside the try: redirect() works by throwing. A right password for an account with a
  // second factor goes on to the code, `next` kept.
  if (mfaToken) return goToSecondStep(gh, mfaToken, safeNextPath(stringField(form, 'next'), '') || null);
  redirect(next);
}

export async function signOut(): Promise<void> {
  const gh = await getGatehouse();
  const h = await headers();
  assertSameOriginHeaders(h, gh.config.publicUrl);
  await setCookies(await signOutWith(gh, h));
  redirect(AFTER_SIGN_OUT);
}
