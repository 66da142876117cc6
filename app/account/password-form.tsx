'use client';

import { useActionState, useEffect, useId, useRef } from 'react';
import { SubmitButton } from '../components/submit-button';
import { changePassword, type AccountActionState } from '@/lib/server/account-actions';
import { errorText, noticeText } from './messages';

const INITIAL: AccountActionState = { error: null, notice: null };

/** Which field a refusal is about, to mark it and put the cursor there. */
const NEW_PASSWORD_CODES = new Set(['weak_password', 'new_password_required']);

/**
 * The changePassword Server Action as the form's action: works without JavaScript (the page
 * comes back with the answer), and with it, no page load and focus on the field to fix. The
 * username rides along hidden so password managers know which account's password changed.
 */
export function PasswordForm({ username }: { username: string }) {
  const [state, formAction] = useActionState(changePassword, INITIAL);
  const { error, notice } = state;
  const current = useRef<HTMLInputElement>(null);
  const next = useRef<HTMLInputElement>(null);
  const messageId = useId();
  const aboutNew = error ? NEW_PASSWORD_CODES.has(error.code) : false;

  useEffect(() => {
    if (!state.error) return;
    (NEW_PASSWORD_CODES.has(state.error.code) ? next : current).current?.focus();
  }, [state]);

  return (
    <form action={formAction} className="password" noValidate>
      <div aria-live="assertive">
        {error ? (
          <p className="error" role="alert" id={messageId} data-testid="password-error">
            {errorText(error)}
          </p>
        ) : notice ? (
          <p className="notice" role="status" data-testid="password-notice">
            {noticeText(notice)}
          </p>
        ) : null}
      </div>
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      <label htmlFor="current-password">Current password</label>
      <input
        id="current-password"
        name="current_password"
        type="password"
        autoComplete="current-password"
        required
        ref={current}
        aria-invalid={error && !aboutNew ? true : undefined}
        aria-describedby={error && !aboutNew ? messageId : undefined}
      />
      <label htmlFor="new-password">New password</label>
      <input
        id="new-password"
        name="new_password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        ref={next}
        aria-invalid={aboutNew || undefined}
        aria-describedby={aboutNew ? `${messageId} new-password-hint` : 'new-password-hint'}
      />
      <p className="muted hint" id="new-password-hint">
        At least 8 characters, not your username and not a commonly used password.
      </p>
      <SubmitButton label="Change password" pendingLabel="Changing password…" />
    </form>
  );
}
