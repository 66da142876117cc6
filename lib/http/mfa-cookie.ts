import { MFA_STEP_TTL } from '../auth/mfa-steps';
import type { AuthConfig } from '../edge/config';
import { readCookie } from '../edge/cookies';
import { hasCode } from '../edge/errors';
import type { CookieSpec } from './cookies';

/**
 * The second sign-in step's token, held by a browser between the password and the code: an
 * httpOnly cookie (page script never sees it), SameSite=Lax, as long-lived as the step itself.
 * Not a session credential: alone it only lets its holder try codes, a few times.
 */
export function mfaCookieName(config: AuthConfig): string {
  return `${config.cookieSecure ? '__Host-' : ''}gatehouse-mfa`;
}

const options = (config: AuthConfig, maxAge: number) =>
  ({ httpOnly: true, sameSite: 'lax', path: '/', secure: config.cookieSecure, maxAge }) as const;

export function mfaCookie(config: AuthConfig, token: string): CookieSpec {
  return { name: mfaCookieName(config), value: token, options: options(config, MFA_STEP_TTL) };
}

export function clearedMfaCookie(config: AuthConfig): CookieSpec {
  return { name: mfaCookieName(config), value: '', options: { ...options(config, 0), expires: new Date(0) } };
}

/** The step token a request's cookies carry (a duplicated cookie counts as none). */
export function readMfaCookie(config: AuthConfig, cookieHeader: string | null): string | undefined {
  return readCookie(cookieHeader, mfaCookieName(config)).value;
}

/**
 * The step token of an `mfa_required` refusal (MfaRequiredError), else null. By code, not
 * instanceof: Next.js may bundle the errors module more than once.
 */
export function mfaTokenOf(error: unknown): string | null {
  if (!hasCode(error, 'mfa_required')) return null;
  const token = (error as { mfaToken?: unknown }).mfaToken;
  return typeof token === 'string' ? token : null;
}
