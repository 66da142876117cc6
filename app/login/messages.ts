/**
 * What the sign-in form says for each refusal code (lib/edge/errors.ts), in one place for the
 * Server Action's answers and the `?error=` query that server.ts's load shedding redirects to.
 */
export interface LoginError {
  readonly code: string;
  /** Seconds to wait, for too_many_attempts. */
  readonly retryAfter?: number | null;
}

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'Wrong username or password.',
  invalid_request: 'Enter your username and password.',
  payload_too_large: 'That is too long.',
  server_busy: 'The server is busy. Please try again in a moment.',
  cross_origin_request: 'This sign-in did not come from this site. Reload the page and try again.',
  invalid_mfa_token: 'That sign-in step has expired or is over. Sign in again.',
};

/** "3 minutes", "1 hour", "40 seconds": how long to wait, in words a person reads at a glance. */
export function waitText(seconds: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds < 60) return unit(Math.max(1, Math.ceil(seconds)), 'second');
  if (seconds < 3600) return unit(Math.ceil(seconds / 60), 'minute');
  return unit(Math.ceil(seconds / 3600), 'hour');
}

export function messageFor({ code, retryAfter }: LoginError): string {
  if (code === 'too_many_attempts') {
    const wait = retryAfter ? waitText(retryAfter) : 'a while';
    return `Too many sign-in attempts. Please wait ${wait} before trying again.`;
  }
  return MESSAGES[code] ?? 'Something went wrong. Please try again.';
}
