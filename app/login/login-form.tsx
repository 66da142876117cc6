'use client';

import { useActionState, useEffect, useId, useRef } from 'react';
import { SubmitButton } from '../components/submit-button';
import { signIn, type SignInState } from '@/lib/server/actions';
import { messageFor, type LoginError } from './messages';
import { PasskeySignIn } from './passkey-sign-in';

/**
 * The signIn Server Action as the form's action. Without JavaScript the browser posts the
 * form, and the action answers with a redirect or this page re-rendered with its answer; with
 * it, no page load, a pending button, and focus on the field to fix. With script and WebAuthn,
 * passkeys too: a button, and offered in the username field's autofill (passkey-sign-in.tsx).
 */
export function LoginForm({
  next,
  initialError,
  passkeys,
}: {
  next: string;
  initialError: LoginError | null;
  /** Whether this server offers passkeys (a usable AUTH_PUBLIC_URL): no button, no request otherwise. */
  passkeys: boolean;
}) {
  const [state, formAction] = useActionState<SignInState, FormData>(signIn, { error: initialError });
  const { error } = state;
  const password = useRef<HTMLInputElement>(null);
  const errorId = useId();

  useEffect(() => {
    // Every refusal asks for the password again (React clears it with the form).
    if (state.error) password.current?.focus();
  }, [state]);

  return (
    <form className="login" action={formAction} noValidate>
      <div aria-live="assertive">
        {error ? (
          <p className="error" role="alert" id={errorId} data-testid="login-error">
            {messageFor(error)}
          </p>
        ) : null}
        {error?.code === 'invalid_credentials' ? (
          // A disabled account gets this same answer, so a script cannot confirm a guessed
          // password with it; the person is told where to turn.
          <p className="muted hint">
            Sure they are right? Your account may have been disabled: ask an administrator.
          </p>
        ) : null}
      </div>
      <input type="hidden" name="next" value={next} />
      <label htmlFor="username">Username</label>
      <input
        id="username"
        name="username"
        type="text"
        autoComplete={passkeys ? 'username webauthn' : 'username'}
        autoCapitalize="none"
        spellCheck={false}
        required
        defaultValue={state.username}
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
      <SubmitButton label="Sign in" pendingLabel="Signing in…" />
      {passkeys ? <PasskeySignIn next={next} /> : null}
    </form>
  );
}
