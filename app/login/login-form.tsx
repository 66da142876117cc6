'use client';

import { useEffect, useId, useRef, useState, type FormEvent } from 'react';

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'Wrong username or password.',
  invalid_request: 'Enter your username and password.',
  payload_too_large: 'That is too long.',
  server_busy: 'The server is busy. Please try again in a moment.',
  network_error: 'Could not reach the server. Check your connection and try again.',
};

/** "3 minutes", "1 hour", "40 seconds": how long to wait, in words a person reads at a glance. */
export function waitText(seconds: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds < 60) return unit(Math.max(1, Math.ceil(seconds)), 'second');
  if (seconds < 3600) return unit(Math.ceil(seconds / 60), 'minute');
  return unit(Math.ceil(seconds / 3600), 'hour');
}

export interface LoginError {
  readonly code: string;
  /** Seconds to wait, for too_many_attempts. */
  readonly retryAfter?: number | null;
}

function messageFor({ code, retryAfter }: LoginError): string {
  if (code === 'too_many_attempts') {
    return `Too many sign-in attempts. Please wait ${retryAfter ? waitText(retryAfter) : 'a while'} before trying again.`;
  }
  return MESSAGES[code] ?? 'Something went wrong. Please try again.';
}

/**
 * Works without JavaScript (a plain form post to the login route, which answers with a 303)
 * and, with it, signs in by fetch: inline errors, a pending state, focus on the field to fix.
 */
export function LoginForm({ next, initialError }: { next: string; initialError: LoginError | null }) {
  const [error, setError] = useState<LoginError | null>(initialError);
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
      const data = (await res.json().catch(() => ({}))) as { error?: string; retry_after?: number };
      setError({ code: data.error ?? 'server_error', retryAfter: data.retry_after ?? Number(res.headers.get('retry-after')) });
    } catch {
      setError({ code: 'network_error' });
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
        {error?.code === 'invalid_credentials' ? (
          // A disabled account gets this same answer, so a script cannot confirm a guessed
          // password with it; the person is told where to turn.
          <p className="muted hint">Sure they are right? Your account may have been disabled: ask an administrator.</p>
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
