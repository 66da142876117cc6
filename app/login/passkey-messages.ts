import { waitText } from './messages';

/**
 * What the passkey button says when a passkey sign-in does not work, by the API's error code
 * (lib/edge/errors.ts) or the browser's: `cancelled` when the person closed the prompt or it
 * timed out (browsers do not tell the two apart, on purpose).
 */
const MESSAGES: Record<string, string> = {
  cancelled: 'The passkey sign-in was cancelled or timed out.',
  invalid_passkey:
    'This passkey is not registered (any more), or it could not be verified. Sign in with your password, or try another passkey.',
  invalid_challenge: 'The passkey request expired. Please try again.',
  invalid_request: 'Your browser sent an answer this site cannot read. Please try again.',
  passkeys_not_configured: 'Passkeys are not available on this server.',
  server_busy: 'The server is busy. Please try again in a moment.',
  temporarily_unavailable: 'The server is busy. Please try again in a moment.',
  cross_origin_request: 'This sign-in did not come from this site. Reload the page and try again.',
};

export function passkeyErrorText(code: string, retryAfter: number | null = null): string {
  if (code === 'too_many_attempts') {
    return `Too many failed passkey sign-ins. Please wait ${retryAfter ? waitText(retryAfter) : 'a while'} before trying again.`;
  }
  return MESSAGES[code] ?? 'Something went wrong. Please try again.';
}
