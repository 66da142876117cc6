'use client';

import { useActionState, useEffect, useId, useRef } from 'react';
import { SubmitButton } from '../components/submit-button';
import { setPasswordWithLink, type SetPasswordState } from '@/lib/server/password-link-actions';
import { LinkUnusable } from './link-unusable';

const MESSAGES: Record<string, string> = {
  mismatch: 'The two passwords do not match.',
  invalid_request: 'Enter the new password twice.',
  server_busy: 'The server is busy. Please try again in a moment; this link still works.',
  cross_origin_request: 'This form did not come from this site. Reload the page and try again.',
};

function messageFor({ code, reason }: NonNullable<SetPasswordState['error']>): string {
  if (code === 'weak_password' && reason) {
    return `That password cannot be used: ${reason}.`;
  }
  return MESSAGES[code] ?? 'Something went wrong. Please try again.';
}

/**
 * The setPasswordWithLink Server Action as the form's action. Without JavaScript the browser
 * posts the form and gets a redirect or this page again with the answer; with it, no page
 * load, a pending button, and focus back on the password to fix.
 */
export function SetPasswordForm({ token, username }: { token: string; username: string }) {
  const [state, formAction] = useActionState<SetPasswordState, FormData>(setPasswordWithLink, {
    error: null,
  });
  const { error } = state;
  const password = useRef<HTMLInputElement>(null);
  const errorId = useId();
  const hintId = useId();

  useEffect(() => {
    if (state.error && state.error.code !== 'invalid_link') password.current?.focus();
  }, [state]);

  // Used meanwhile (another tab, a second click), expired while open, or the account closed.
  if (error?.code === 'invalid_link') return <LinkUnusable announce />;

  const describedBy = [error ? errorId : null, hintId].filter(Boolean).join(' ');
  return (
    <form className="login" action={formAction} noValidate>
      <div aria-live="assertive">
        {error ? (
          <p className="error" role="alert" id={errorId} data-testid="set-password-error">
            {messageFor(error)}
          </p>
        ) : null}
      </div>
      <input type="hidden" name="token" value={token} />
      {/* For password managers: the account the new password belongs to. */}
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      <label htmlFor="password">New password</label>
      <input
        id="password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        ref={password}
        autoFocus
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      <p className="muted hint" id={hintId}>
        At least 8 characters. Not your username, and not a common password.
      </p>
      <label htmlFor="confirm">New password again</label>
      <input
        id="confirm"
        name="confirm"
        type="password"
        autoComplete="new-password"
        required
        aria-invalid={error?.code === 'mismatch' ? true : undefined}
      />
      <SubmitButton label="Set password" pendingLabel="Setting the password…" />
    </form>
  );
}
