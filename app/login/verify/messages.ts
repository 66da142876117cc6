import { waitText, type LoginError } from '../messages';

/** What the second step's page says for each refusal code (lib/edge/errors.ts). */
const MESSAGES: Record<string, string> = {
  invalid_code: 'That code is not right, or it has been used already. Try the code your app shows now.',
  invalid_request: 'Enter the code from your authenticator app.',
  payload_too_large: 'That is too long.',
  server_busy: 'The server is busy. Please try again in a moment.',
  cross_origin_request: 'This sign-in did not come from this site. Reload the page and try again.',
};

export function secondStepMessage({ code, retryAfter }: LoginError): string {
  if (code === 'too_many_attempts') {
    const wait = retryAfter ? waitText(retryAfter) : 'a while';
    return `Too many wrong codes. Please wait ${wait} before trying again.`;
  }
  return MESSAGES[code] ?? 'Something went wrong. Please try again.';
}
