'use client';

import { useEffect, useId, useRef, useState, type FormEvent } from 'react';

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'Wrong username or password.',
  account_disabled: 'This account is disabled.',
  invalid_request: 'Enter your username and password.',
  payload_too_large: 'That is too long.',
  network_error: 'Could not reach the server. Check your connection and try again.',
};
const messageFor = (code: string) => MESSAGES[code] ?? 'Something went wrong. Please try again.';

/**
 * Works without JavaScript (a plain form post to the login route, which answers with a 303)
 * and, with it, signs in by fetch: inline errors, a pending state, focus on the field to fix.
 */
export function LoginForm({ next, initialError }: { next: string; initialError: string | null }) {
  const [error, setError] = useState<string | null>(initialError);
  const [pending, setPending] = useState(false);
  const password = useRef<HTMLInputElement>(null);
  const errorId = useId();

  useEffect(() => {
    if (error) password.current?.focus();
  }, [error]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const body = new URLSearchParams();
    for (const [key, value] of new FormData(event.currentTarget)) body.append(key, String(value));
    try {
      const res = await fetch('/api/auth/login', {
        method: 'POST',
        headers: { accept: 'application/json' },
        body,
      });
      if (res.ok) {
        // A full navigation, so every server component renders with the new cookies.
        window.location.assign(next);
        return;
      }
      const data = (await res.json().catch(() => ({}))) as { error?: string };
      setError(data.error ?? 'server_error');
    } catch {
      setError('network_error');
    }
    setPending(false);
  }

  return (
    <form className="login" action="/api/auth/login" method="post" onSubmit={onSubmit} noValidate>
      <div aria-live="assertive">
        {error ? (
          <p className="error" role="alert" id={errorId} data-testid="login-error">
            {messageFor(error)}
          </p>
        ) : null}
      </div>
      <input type="hidden" name="next" value={next} />
      <label htmlFor="username">Username</label>
      <input
        id="username"
        name="username"
        type="text"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        required
        autoFocus={!error}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
      />
      <label htmlFor="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        ref={password}
        autoFocus={Boolean(error)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
      />
      <button type="submit" disabled={pending} aria-busy={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
