import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { Gatehouse } from '../auth/gatehouse';
import { secondStepPath } from '../edge/routes';
import { clearedMfaCookie, mfaCookie, readMfaCookie } from '../http/mfa-cookie';
import { setCookies } from './form';
import { getGatehouse } from './runtime';

export { mfaTokenOf } from '../http/mfa-cookie';

/**
 * The browser's side of the second sign-in step, for the actions that reach it (sign-in, a
 * reset link) and its page (/login/verify): the step token in a short-lived httpOnly cookie
 * (lib/http/mfa-cookie.ts), never in a URL.
 */

/** Keeps the step token in its cookie and goes to the second step's page. Never returns. */
export async function goToSecondStep(gh: Gatehouse, mfaToken: string, next: string | null): Promise<never> {
  await setCookies([mfaCookie(gh.config, mfaToken)]);
  redirect(secondStepPath(next));
}

/**
 * Whether this browser is between its password and its code (it holds a step cookie), read as
 * the action will read it: a cookie sent twice counts as none (lib/edge/cookies.ts).
 */
export async function hasSecondStep(): Promise<boolean> {
  const gh = await getGatehouse();
  return Boolean(readMfaCookie(gh.config, (await headers()).get('cookie')));
}

/** Forgets an ended step (only a Server Action or a route may write cookies). */
export async function forgetSecondStep(gh: Gatehouse): Promise<void> {
  await setCookies([clearedMfaCookie(gh.config)]);
}
