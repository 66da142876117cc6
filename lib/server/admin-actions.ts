'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { revalidatePath } from 'next/cache';
import type { AdminConsole } from '../auth/admin';
import type { SignedIn } from '../auth/gatehouse';
import { AuthError, InvalidRequestError, isAuthError } from '../edge/errors';
import { assertSameOriginHeaders } from '../edge/origin';
import { requireAdmin } from './auth';
import { stringField } from './form';
import { getGatehouse } from './runtime';

/**
 * The admin console's actions as Server Actions, one per button. Each is a POST that works
 * without JavaScript (the action re-renders the page with its answer) and goes through the
 * same door: the Origin check (the middleware already refused a cross-origin post; this holds
 * when it did not run), requireAdmin(), then the console, which confirms the admin in the
 * database once more and applies its rules (lib/auth/admin.ts). The user and session ids come
 * from the form and are checked there like any other input.
 */
export interface AdminActionState {
  /** What happened, in words, after a success. */
  readonly done: string | null;
  /** A stable error code (lib/edge/errors.ts, or `confirm_required`) the page explains. */
  readonly error: string | null;
  /** A one-time password link, shown once: it is in no page, no log, only this answer. */
  readonly link?: { readonly url: string; readonly expiresAt: number; readonly username: string } | null;
  /** The new user's id after "create user", for a link to their page. */
  readonly userId?: string | null;
  /** What was typed into "create user", given back with a refusal so nothing is typed twice. */
  readonly values?: { readonly username: string; readonly name: string; readonly admin: boolean } | null;
}

type Run = (admin: AdminConsole, me: SignedIn, form: FormData) => Promise<Omit<AdminActionState, 'error'>>;

async function act(
  form: FormData,
  run: Run,
  refused: Partial<AdminActionState> = {},
): Promise<AdminActionState> {
  const gh = await getGatehouse();
  try {
    assertSameOriginHeaders(await headers(), gh.config.publicUrl);
  } catch (error) {
    if (isAuthError(error)) return { ...refused, done: null, error: error.code };
    throw error;
  }
  // Outside the try: a signed-out or demoted visitor gets the redirect or the 403 page.
  const me = await requireAdmin();
  let state: Omit<AdminActionState, 'error'>;
  try {
    state = await run(gh.admin, me, form);
  } catch (error) {
    // Every refusal has a code the page can explain; anything else is a bug, for the error boundary.
    if (isAuthError(error)) return { ...refused, done: null, error: error.code };
    throw error;
  }
  // The pages show what changed on the next render, with JavaScript as without.
  revalidatePath('/admin', 'layout');
  return { ...state, error: null };
}

const field = (form: FormData, name: string): string => {
  const value = stringField(form, name);
  if (value === undefined || value.length > 256) throw new InvalidRequestError(`${name} is missing`);
  return value;
};
const userOf = (form: FormData) => field(form, 'userId');
const yesNo = (form: FormData, name: string): boolean => {
  const value = field(form, name);
  if (value !== 'yes' && value !== 'no') throw new InvalidRequestError(`${name} is yes or no`);
  return value === 'yes';
};
const nameOf = (form: FormData) => stringField(form, 'username')?.slice(0, 64) ?? 'the user';

export async function revokeSession(_: AdminActionState, form: FormData): Promise<AdminActionState> {
  return act(form, async (admin, me, f) => {
    await admin.revokeSession(me, userOf(f), field(f, 'sessionId'));
    return { done: 'Session ended.' };
  });
}

export async function revokeSessions(_: AdminActionState, form: FormData): Promise<AdminActionState> {
  return act(form, async (admin, me, f) => {
    const { revoked } = await admin.revokeSessions(me, userOf(f));
    return { done: `Ended ${revoked} session${revoked === 1 ? '' : 's'}.` };
  });
}

/**
 * Ban and unban are one action (and so are granting and taking admin rights): the page swaps
 * the button, and without JavaScript React gives an answer back only to the same action in the
 * same place.
 */
export async function setBanned(_: AdminActionState, form: FormData): Promise<AdminActionState> {
  return act(form, async (admin, me, f) => {
    if (yesNo(f, 'ban')) {
      const { revoked } = await admin.ban(me, userOf(f));
      return { done: `Banned ${nameOf(f)}; ${revoked} session${revoked === 1 ? '' : 's'} ended.` };
    }
    await admin.unban(me, userOf(f));
    return { done: `Unbanned ${nameOf(f)}.` };
  });
}

export async function setAdmin(_: AdminActionState, form: FormData): Promise<AdminActionState> {
  return act(form, async (admin, me, f) => {
    const grant = yesNo(f, 'admin');
    await admin.setAdmin(me, userOf(f), grant);
    return { done: `${nameOf(f)} is ${grant ? 'now' : 'no longer'} an admin.` };
  });
}

export async function unlockUser(_: AdminActionState, form: FormData): Promise<AdminActionState> {
  return act(form, async (admin, me, f) => {
    await admin.unlock(me, userOf(f));
    return { done: `Failed sign-ins of ${nameOf(f)} forgotten: they can sign in again.` };
  });
}

export async function createPasswordLink(_: AdminActionState, form: FormData): Promise<AdminActionState> {
  return act(form, async (admin, me, f) => {
    const link = await admin.createPasswordLink(me, userOf(f), 'reset');
    return { done: 'Password link created.', link: { ...link, username: nameOf(f) } };
  });
}

/** The form's "yes, delete" box was not ticked. */
class ConfirmRequiredError extends AuthError {
  override readonly code = 'confirm_required';
  override readonly status = 400;
}

/** Removes the user's authenticator app and recovery codes (a lost phone); confirmed in the form. */
export async function clearSecondFactor(_: AdminActionState, form: FormData): Promise<AdminActionState> {
  return act(form, async (admin, me, f) => {
    if (stringField(f, 'confirm') !== 'yes') throw new ConfirmRequiredError('tick the box to confirm');
    const { cleared } = await admin.clearSecondFactor(me, userOf(f));
    return {
      done: cleared
        ? `Cleared the authenticator app of ${nameOf(f)}: their password alone signs them in.`
        : `${nameOf(f)} has no authenticator app.`,
    };
  });
}

export async function deleteUser(_: AdminActionState, form: FormData): Promise<AdminActionState> {
  const state = await act(form, async (admin, me, f) => {
    // A destructive step is confirmed in the form itself, so it works without JavaScript.
    if (stringField(f, 'confirm') !== 'yes') throw new ConfirmRequiredError('tick the box to confirm');
    await admin.deleteUser(me, userOf(f));
    return { done: `Deleted ${nameOf(f)}.` };
  });
  // The user's page is gone: back to the list, which says so.
  if (state.error === null) redirect(`/admin?deleted=${encodeURIComponent(nameOf(form))}`);
  return state;
}

export async function createUser(_: AdminActionState, form: FormData): Promise<AdminActionState> {
  const values = {
    username: stringField(form, 'username')?.trim().slice(0, 64) ?? '',
    name: stringField(form, 'name')?.trim().slice(0, 100) ?? '',
    admin: stringField(form, 'admin') === 'yes',
  };
  return act(
    form,
    async (admin, me, f) => {
      const name = stringField(f, 'name')?.trim();
      const user = await admin.createUser(me, {
        username: stringField(f, 'username')?.trim() ?? '',
        name: name ? name : undefined,
        admin: values.admin,
      });
      try {
        const link = await admin.createPasswordLink(me, user.id, 'invite');
        return {
          done: `Created ${user.username}.`,
          userId: user.id,
          link: { ...link, username: user.username },
        };
      } catch (error) {
        // The account exists; a link can be made again from its page.
        if (!isAuthError(error)) console.error('[gatehouse] invitation link', error);
        return {
          done: `Created ${user.username}, but its link could not be made: create one from its page.`,
          userId: user.id,
        };
      }
    },
    { values },
  );
}
