import type { TwoFactorState } from '@/lib/server/two-factor-actions';
import { waitText } from '../login/messages';

/** What the authenticator-app card says for each refusal (lib/edge/errors.ts codes). */
const ERRORS: Record<string, string> = {
  reauthentication_required:
    'For your security, enter your password to turn this on: you signed in more than 5 minutes ago.',
  invalid_credentials: 'That password is not right.',
  invalid_code: 'That code is not right, or it has been used already. Try the code your app shows now.',
  invalid_request: 'Enter the code.',
  enrolment_expired: 'That setup took too long and has expired. Please start again.',
  conflict: 'This page was out of date; it now shows how your account is set up.',
  server_busy: 'The server is busy. Please try again in a moment.',
  cross_origin_request: 'This request did not come from this site. Reload the page and try again.',
};

export function twoFactorErrorText({ form, code, retryAfter }: NonNullable<TwoFactorState['error']>): string {
  // Turning on asks for no code: what it can find missing or too long is the password.
  if (form === 'begin' && code === 'invalid_request') return 'Enter your password (at most 1024 characters).';
  if (code === 'too_many_attempts') {
    const wait = retryAfter ? waitText(retryAfter) : 'a while';
    return `Too many wrong attempts. Please wait ${wait} before trying again.`;
  }
  return ERRORS[code] ?? 'Something went wrong. Please try again.';
}

/** A base32 secret in groups of four, easier to type into an app. */
export const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');
