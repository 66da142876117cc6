import type { AccountError, AccountNotice } from '@/lib/server/account-actions';
import { waitText } from '../login/messages';

/** What the account page says for each action's outcome, in one place for its forms. */
const ERRORS: Record<string, string> = {
  not_found: 'That session had already ended.',
  invalid_credentials: 'Your current password is not right.',
  current_password_required: 'Enter your current password.',
  new_password_required: 'Enter a new password.',
  invalid_request: 'Enter your current password and a new one.',
  server_busy: 'The server is busy. Please try again in a moment.',
  cross_origin_request: 'This request did not come from this site. Reload the page and try again.',
};

export function errorText({ code, reason, retryAfter }: AccountError): string {
  if (code === 'weak_password') return `That new password cannot be used: ${reason ?? 'it is too weak'}.`;
  if (code === 'too_many_attempts') {
    const wait = retryAfter ? waitText(retryAfter) : 'a while';
    return `Too many wrong passwords. Please wait ${wait} before trying again.`;
  }
  return ERRORS[code] ?? 'Something went wrong. Please try again.';
}

const sessions = (n: number) => `${n} other session${n === 1 ? '' : 's'}`;

export function noticeText(notice: AccountNotice): string {
  switch (notice.kind) {
    case 'revoked':
      return 'The session was ended. That browser or app is signed out.';
    case 'revoked_others':
      return notice.count === 0
        ? 'There were no other sessions to end.'
        : `Signed out of ${sessions(notice.count)}.`;
    case 'password_changed':
      return notice.revoked === 0
        ? 'Your password has been changed.'
        : `Your password has been changed, and ${sessions(notice.revoked)} ${notice.revoked === 1 ? 'was' : 'were'} signed out.`;
  }
}
