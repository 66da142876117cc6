'use server';

import { refresh } from 'next/cache';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { Gatehouse, SignedIn } from '../auth/gatehouse';
import type { RequestMeta } from '../auth/sessions';
import { readCookie } from '../edge/cookies';
import { hasCode, isAuthError } from '../edge/errors';
import { assertSameOriginHeaders } from '../edge/origin';
import { loginPath, ROUTES } from '../edge/routes';
import { clearedAuthCookies } from '../http/cookies';
import { auth } from './auth';
import { setCookies, stringField } from './form';
import { getGatehouse } from './runtime';

/**
 * The account page's passkey actions (app/account/passkeys-*.tsx), through the same passkeys
 * service as the JSON API. Renaming and removing are forms that work without JavaScript; adding
 * one needs the browser's WebAuthn API, so its two steps are actions the page's script calls
 * (through the middleware, which keeps the access token fresh, unlike /api/auth/*).
 *
 * Every argument is the caller's to choose (each export here is an endpoint): the service
 * checks it. A session ended elsewhere is signed out here, as on the rest of the page.
 */
export interface PasskeyError {
  /** A stable error code (lib/edge/errors.ts). */
  readonly code: string;
  readonly retryAfter?: number | null;
}

export interface PasskeyActionState {
  /** The passkey whose rename form is open. */
  readonly renaming: string | null;
  /** The passkey whose removal is being confirmed. */
  readonly removing: string | null;
  /** The removal needs the password (the sign-in is older than five minutes). */
  readonly needsPassword: boolean;
  readonly error: PasskeyError | null;
  readonly notice: { readonly kind: 'renamed' | 'removed'; readonly name: string } | null;
}

/** An action's answer to the page's script: its value, or the refusal's code. */
export type AddPasskeyStep<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: PasskeyError };

interface Caller {
  readonly gh: Gatehouse;
  readonly who: SignedIn;
  readonly meta: RequestMeta;
  readonly readCookie: (name: string) => string | undefined;
}

async function signedOutHere(gh: Gatehouse): Promise<never> {
  await setCookies(clearedAuthCookies(gh.config));
  redirect(loginPath(ROUTES.account.path));
}

/** Runs `work` for the signed-in caller; a refusal comes back as its code, anything else is thrown. */
async function asCaller<T>(work: (caller: Caller) => Promise<T>): Promise<AddPasskeyStep<T>> {
  const gh = await getGatehouse();
  const h = await headers();
  try {
    assertSameOriginHeaders(h, gh.config.publicUrl);
    const who = await auth();
    if (!who) return await signedOutHere(gh);
    const cookie = h.get('cookie');
    const value = await work({
      gh,
      who,
      meta: await gh.requestMeta(h),
      readCookie: (name) => readCookie(cookie, name).value,
    });
    return { ok: true, value };
  } catch (error) {
    if (hasCode(error, 'invalid_token')) return signedOutHere(gh);
    // Outages (and redirect(), which works by throwing) are not ours to answer.
    if (!isAuthError(error) || (error.status >= 500 && error.code !== 'server_busy')) throw error;
    const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
    return {
      ok: false,
      error: { code: error.code, retryAfter: typeof retryAfter === 'number' ? retryAfter : null },
    };
  }
}

const IDLE: PasskeyActionState = {
  renaming: null,
  removing: null,
  needsPassword: false,
  error: null,
  notice: null,
};

/**
 * The passkeys table's one form action, by its `intent`: `rename` opens the rename form and
 * `save` renames (field `name`); `ask` asks to confirm a removal and `remove` removes (field
 * `password` when the sign-in is not recent); `cancel` closes whatever is open. Field `passkey`
 * names the passkey throughout.
 */
export async function managePasskey(
  previous: PasskeyActionState,
  form: FormData,
): Promise<PasskeyActionState> {
  const intent = stringField(form, 'intent');
  const id = stringField(form, 'passkey') ?? '';
  if (intent === 'rename') return { ...IDLE, renaming: id };
  if (intent === 'ask') return { ...IDLE, removing: id };
  if (intent !== 'save' && intent !== 'remove') return IDLE;

  const outcome = await asCaller(async ({ gh, who, meta, readCookie: read }): Promise<PasskeyActionState> => {
    const passkey =
      intent === 'save'
        ? await gh.passkeys.rename(who, id, stringField(form, 'name') ?? '', meta)
        : await gh.passkeys.remove(who, id, stringField(form, 'password') || undefined, meta, read);
    refresh();
    return { ...IDLE, notice: { kind: intent === 'save' ? 'renamed' : 'removed', name: passkey.name } };
  });
  if (outcome.ok) return outcome.value;
  const { error } = outcome;
  // It is gone (removed from another browser, say): the list the person sees is out of date.
  if (error.code === 'not_found') {
    refresh();
    return { ...IDLE, error };
  }
  // The form stays open with what was wrong; a removal that needs the password asks for it.
  const needsPassword =
    intent === 'remove' &&
    // `previous` comes from the caller too: only a real `true` counts.
    (previous?.needsPassword === true ||
      ['reauthentication_required', 'invalid_credentials', 'too_many_attempts'].includes(error.code));
  return {
    ...IDLE,
    renaming: intent === 'save' ? id : null,
    removing: intent === 'remove' ? id : null,
    needsPassword,
    error,
  };
}

/** Adding a passkey, step one: the options for navigator.credentials.create(). */
export async function beginAddingPasskey(
  password: unknown,
): Promise<AddPasskeyStep<PublicKeyCredentialCreationOptionsJSON>> {
  const given = typeof password === 'string' && password ? password : undefined;
  return asCaller(({ gh, who, meta, readCookie: read }) =>
    gh.passkeys.registrationOptions(who, given, meta, read),
  );
}

/** Adding a passkey, step two: the browser's answer, and the name the person chose. */
export async function finishAddingPasskey(
  response: unknown,
  name: unknown,
): Promise<AddPasskeyStep<{ name: string }>> {
  return asCaller(async ({ gh, who, meta }) => {
    const added = await gh.passkeys.register(
      who,
      response,
      typeof name === 'string' ? name : undefined,
      meta,
    );
    refresh();
    return { name: added.name };
  });
}
