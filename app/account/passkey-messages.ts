import type { PasskeyError } from '@/lib/server/passkey-actions';
import { waitText } from '../login/messages';

/** What the passkeys card says for each refusal (lib/edge/errors.ts codes, and the browser's). */
const ERRORS: Record<string, string> = {
  not_found: 'That passkey had already been removed.',
  invalid_name: 'A passkey name is 1 to 64 characters, letters, digits, spaces and punctuation.',
  reauthentication_required: 'Enter your password to confirm it is you.',
  invalid_credentials: 'Your password is not right.',
  invalid_request: 'Your browser sent an answer this site cannot read. Please try again.',
  invalid_challenge: 'The passkey request expired. Please try again.',
  invalid_passkey: 'The new passkey could not be verified. Please try again.',
  conflict:
    'You cannot add this passkey: it is registered already, or you have as many passkeys as an account can have.',
  passkeys_not_configured: 'Passkeys are not available on this server.',
  cancelled: 'Adding the passkey was cancelled or timed out.',
  registered_here: 'This authenticator already holds a passkey for your account.',
  server_busy: 'The server is busy. Please try again in a moment.',
  cross_origin_request: 'This request did not come from this site. Reload the page and try again.',
};

export function passkeyErrorText({ code, retryAfter }: PasskeyError): string {
  if (code === 'too_many_attempts') {
    return `Too many wrong passwords. Please wait ${retryAfter ? waitText(retryAfter) : 'a while'} before trying again.`;
  }
  return ERRORS[code] ?? 'Something went wrong. Please try again.';
}
