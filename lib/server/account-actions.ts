'use server';

import { refresh } from 'next/cache';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { Gatehouse, SignedIn } from '../auth/gatehouse';
import type { RequestMeta } from '../auth/sessions';
import { readCookie } from '../edge/cookies';
import { hasCode, isAuthError } from '../edge/errors';
import { assertSameOriginHeaders } from '../edge/origin';
import { loginPath, ROUTES } from '../edge/routes';
import { clearedAuthCookies, deviceCookie } from '../http/cookies';
import { auth } from './auth';
import { setCookies, stringField } from './form';
import { getGatehouse } from './runtime';

/**
 * The account page's forms as Server Actions (app/account): the same account service as the
 * JSON routes (lib/http/handlers/account.ts). Without JavaScript each is a plain form post the
 * action answers with the page re-rendered (or a redirect); with it, no page load, and the
 * page's data refreshed in the same round trip. The middleware has already refused a
 * cross-origin post with 403; the check here holds when the middleware did not run.
 *
 * Ending this browser's own session (revoking it, or signing out everywhere) clears its
 * cookies and goes to the sign-in page. So does finding the session already ended.
 */
export interface AccountActionState {
  readonly error: AccountError | null;
  readonly notice: AccountNotice | null;
}

export interface AccountError {
  /** A stable error code (lib/edge/errors.ts). */
  readonly code: string;
  /** weak_password: the policy's reason. */
  readonly reason?: string;
  /** too_many_attempts: seconds to wait. */
  readonly retryAfter?: number | null;
}

export type AccountNotice =
  | { readonly kind: 'revoked' }
  | { readonly kind: 'revoked_others'; readonly count: number }
  | { readonly kind: 'password_changed'; readonly revoked: number };

interface Caller {
  readonly gh: Gatehouse;
  readonly who: SignedIn;
  readonly meta: RequestMeta;
  readonly headers: Headers;
}

/** Leaves for the sign-in page without this browser's (ended) session. */
async function signedOutHere(gh: Gatehouse, next: string | null): Promise<never> {
  await setCookies(clearedAuthCookies(gh.config));
  redirect(loginPath(next));
}

async function run(work: (caller: Caller) => Promise<AccountActionState>): Promise<AccountActionState> {
  const gh = await getGatehouse();
  const h = await headers();
  try {
    assertSameOriginHeaders(h, gh.config.publicUrl);
    const who = await auth();
    if (!who) return await signedOutHere(gh, ROUTES.account.path);
    return await work({ gh, who, meta: await gh.requestMeta(h), headers: h });
  } catch (error) {
    // The session was ended elsewhere while its access token is still good: signed out.
    if (hasCode(error, 'invalid_token')) return signedOutHere(gh, ROUTES.account.path);
    // Every refusal has a code the page explains; anything else (redirect() included, which
    // works by throwing) is not ours to answer: outages go to the error boundary's "try again".
    if (!isAuthError(error) || (error.status >= 500 && error.code !== 'server_busy')) throw error;
    const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
    return {
      error: {
        code: error.code,
        ...(error.code === 'weak_password' ? { reason: error.message } : {}),
        ...(typeof retryAfter === 'number' ? { retryAfter } : {}),
      },
      notice: null,
    };
  }
}

/** One session's "Revoke" (field `session`): the page's list refreshes; this browser's own goes to sign-in. */
export async function revokeSession(
  _previous: AccountActionState,
  form: FormData,
): Promise<AccountActionState> {
  const sessionId = stringField(form, 'session') ?? '';
  return run(async ({ gh, who, meta }) => {
    let current: boolean;
    try {
      ({ current } = await gh.account.revoke(who, sessionId, meta));
    } catch (error) {
      // It ended meanwhile: the list the person sees is out of date.
      if (hasCode(error, 'not_found')) refresh();
      throw error;
    }
    if (current) return signedOutHere(gh, null);
    refresh();
    return { error: null, notice: { kind: 'revoked' } };
  });
}

export async function revokeOtherSessions(_previous: AccountActionState): Promise<AccountActionState> {
  return run(async ({ gh, who, meta }) => {
    const count = await gh.account.revokeOthers(who, meta);
    refresh();
    return { error: null, notice: { kind: 'revoked_others', count } };
  });
}

export async function signOutEverywhere(_previous: AccountActionState): Promise<AccountActionState> {
  return run(async ({ gh, who, meta }) => {
    await gh.account.revokeAll(who, meta);
    return signedOutHere(gh, null);
  });
}

/** Fields `current_password`, `new_password`, as the JSON route takes them. */
export async function changePassword(
  _previous: AccountActionState,
  form: FormData,
): Promise<AccountActionState> {
  const current = stringField(form, 'current_password') ?? '';
  const next = stringField(form, 'new_password') ?? '';
  // Codes of the form's own, so it can say which field is missing and focus it.
  if (!current) return { error: { code: 'current_password_required' }, notice: null };
  if (!next) return { error: { code: 'new_password_required' }, notice: null };
  return run(async ({ gh, who, meta, headers: h }) => {
    const cookie = h.get('cookie');
    const { device, revoked } = await gh.account.changePassword(
      who,
      { current, next },
      meta,
      (name) => readCookie(cookie, name).value,
    );
    await setCookies([deviceCookie(gh.config, device)]);
    refresh();
    return { error: null, notice: { kind: 'password_changed', revoked } };
  });
}
