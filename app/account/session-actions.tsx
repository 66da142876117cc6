'use client';

import { useActionState } from 'react';
import { useFormStatus } from 'react-dom';
import {
  revokeOtherSessions,
  signOutEverywhere,
  type AccountActionState,
} from '@/lib/server/account-actions';
import { errorText, noticeText } from './messages';

const INITIAL: AccountActionState = { error: null, notice: null };

/**
 * "Sign out of all other sessions" (this one stays) and "Sign out everywhere" (this one too:
 * the action clears this browser's cookies and goes to the sign-in page). Plain forms posting
 * Server Actions, so both work without JavaScript.
 */
export function SessionActions() {
  const [others, othersAction] = useActionState(revokeOtherSessions, INITIAL);
  const [everywhere, everywhereAction] = useActionState(signOutEverywhere, INITIAL);
  const error = others.error ?? everywhere.error;
  return (
    <>
      <div className="actions spaced">
        <form action={othersAction}>
          <Submit
            idle="Sign out of all other sessions"
            busy="Signing out the others…"
            className="secondary"
          />
        </form>
        <form action={everywhereAction}>
          <Submit idle="Sign out everywhere" busy="Signing out…" className="secondary" />
        </form>
      </div>
      <div aria-live="polite">
        {error ? (
          <p className="error" role="alert">
            {errorText(error)}
          </p>
        ) : others.notice ? (
          <p className="notice" role="status" data-testid="others-notice">
            {noticeText(others.notice)}
          </p>
        ) : null}
      </div>
    </>
  );
}

function Submit({ idle, busy, className }: { idle: string; busy: string; className?: string }) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={className} disabled={pending} aria-busy={pending || undefined}>
      {pending ? busy : idle}
    </button>
  );
}
