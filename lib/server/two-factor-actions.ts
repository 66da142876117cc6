'use server';

import { refresh } from 'next/cache';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { readCookie } from '../edge/cookies';
import { hasCode, isAuthError } from '../edge/errors';
import { assertSameOriginHeaders } from '../edge/origin';
import { loginPath, ROUTES } from '../edge/routes';
import { clearedAuthCookies } from '../http/cookies';
import { auth } from './auth';
import { setCookies, stringField } from './form';
import { getGatehouse } from './runtime';
import { enrolmentView, type EnrolmentView } from './two-factor';

/**
 * The account page's authenticator-app card as one Server Action: every form of the card posts
 * here with an `intent` (begin, confirm, renew, disable), so one state carries the card through
 * its steps — the QR code, then the recovery codes shown once — with JavaScript or without (a
 * plain post answered with the page re-rendered). The two-factor service (lib/auth/two-factor.ts)
 * does the checking, as it does for /api/auth/totp.
 */
export type TwoFactorForm = 'begin' | 'confirm' | 'renew' | 'disable';

export interface TwoFactorState {
  /** A secret being set up: shown until it is confirmed. */
  readonly enrolment: EnrolmentView | null;
  /** New recovery codes: in this answer only, never stored where they could be shown again. */
  readonly recoveryCodes: readonly string[] | null;
  readonly error: {
    readonly form: TwoFactorForm;
    /** A stable error code (lib/edge/errors.ts). */
    readonly code: string;
    /** too_many_attempts: seconds to wait. */
    readonly retryAfter?: number | null;
  } | null;
  readonly notice: 'turned_off' | null;
}

const INTENTS: readonly TwoFactorForm[] = ['begin', 'confirm', 'renew', 'disable'];
const NOTHING: TwoFactorState = { enrolment: null, recoveryCodes: null, error: null, notice: null };

export async function twoFactorAction(_previous: TwoFactorState, form: FormData): Promise<TwoFactorState> {
  const raw = stringField(form, 'intent');
  const intent = INTENTS.find((i) => i === raw);
  // Only the card's own forms post here; anything else is answered, and changes nothing.
  if (!intent) return { ...NOTHING, error: { form: 'begin', code: 'invalid_request' } };
  const code = stringField(form, 'code') ?? '';
  const gh = await getGatehouse();
  const h = await headers();
  let username = '';
  try {
    assertSameOriginHeaders(h, gh.config.publicUrl);
    const who = await auth();
    if (!who) return await signedOutHere();
    const meta = await gh.requestMeta(h);
    const cookie = h.get('cookie');
    const cookieOf = (name: string) => readCookie(cookie, name).value;
    username = (await gh.account.profile(who)).username;
    switch (intent) {
      case 'begin': {
        const { secret } = await gh.twoFactor.begin(
          who,
          stringField(form, 'password') || undefined,
          meta,
          cookieOf,
        );
        return { ...NOTHING, enrolment: await enrolmentView(secret, username) };
      }
      case 'confirm': {
        const { recoveryCodes } = await gh.twoFactor.confirm(who, code, meta);
        refresh();
        return { ...NOTHING, recoveryCodes };
      }
      case 'renew': {
        const { recoveryCodes } = await gh.twoFactor.regenerateRecoveryCodes(who, code, meta, cookieOf);
        refresh();
        return { ...NOTHING, recoveryCodes };
      }
      case 'disable':
        await gh.twoFactor.disable(who, code, meta, cookieOf);
        refresh();
        return { ...NOTHING, notice: 'turned_off' };
    }
  } catch (error) {
    // The session was ended elsewhere while its access token is still good: signed out.
    if (hasCode(error, 'invalid_token')) return signedOutHere();
    // Every refusal has a code the card explains; anything else (redirect() included, which
    // works by throwing) is not ours to answer: outages go to the error boundary's "try again".
    if (!isAuthError(error) || (error.status >= 500 && error.code !== 'server_busy')) throw error;
    // The page was out of date (turned on or off elsewhere): show it as it is.
    if (hasCode(error, 'conflict')) refresh();
    const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
    // A wrong confirming code keeps the QR code up: it is the secret this browser just posted.
    const keep =
      intent === 'confirm' && ['invalid_code', 'invalid_request'].includes(error.code) && username !== '';
    return {
      ...NOTHING,
      enrolment: keep ? await enrolmentView(stringField(form, 'secret') ?? '', username) : null,
      error: {
        form: intent,
        code: error.code,
        retryAfter: typeof retryAfter === 'number' ? retryAfter : null,
      },
    };
  }
}

/** Leaves for the sign-in page without this browser's (ended) session. */
async function signedOutHere(): Promise<never> {
  const gh = await getGatehouse();
  await setCookies(clearedAuthCookies(gh.config));
  redirect(loginPath(ROUTES.account.path));
}
