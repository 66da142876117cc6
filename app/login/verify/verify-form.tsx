'use client';

import Link from 'next/link';
import { useActionState, useEffect, useId, useRef } from 'react';
import { secondStepPath } from '@/lib/edge/routes';
import { verifySecondStep, type SecondStepState } from '@/lib/server/second-step-actions';
import { SubmitButton } from '../../components/submit-button';
import type { LoginError } from '../messages';
import { secondStepMessage } from './messages';
import { StepOver } from './step-over';

/**
 * The verifySecondStep Server Action as the form's action: without JavaScript a plain post the
 * action answers with a redirect or this page again. One field takes either a 6-digit code or
 * a recovery code; `recovery` only changes what the field asks for (and the phone's keyboard).
 */
export function VerifyForm({
  next,
  nextParam,
  recovery,
  initialError,
}: {
  /** Where a success goes. */
  next: string;
  /** `next` as the page was given it (null: none), for links back to sign-in and this page. */
  nextParam: string | null;
  recovery: boolean;
  initialError: LoginError | null;
}) {
  const [state, formAction] = useActionState<SecondStepState, FormData>(verifySecondStep, {
    error: initialError,
  });
  const { error } = state;
  const field = useRef<HTMLInputElement>(null);
  const errorId = useId();

  useEffect(() => {
    if (state.error) field.current?.focus();
  }, [state]);

  if (error?.code === 'invalid_mfa_token') return <StepOver next={nextParam} />;

  return (
    <form className="login" action={formAction} noValidate>
      <div aria-live="assertive">
        {error ? (
          <p className="error" role="alert" id={errorId} data-testid="verify-error">
            {secondStepMessage(error)}
          </p>
        ) : null}
      </div>
      <input type="hidden" name="next" value={next} />
      <label htmlFor="code">{recovery ? 'Recovery code' : 'Authentication code'}</label>
      <input
        id="code"
        name="code"
        type="text"
        autoComplete={recovery ? 'off' : 'one-time-code'}
        inputMode={recovery ? 'text' : 'numeric'}
        autoCapitalize="none"
        spellCheck={false}
        maxLength={64}
        required
        ref={field}
        autoFocus
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${errorId} code-hint` : 'code-hint'}
      />
      <p className="muted hint" id="code-hint">
        {recovery
          ? 'One of the recovery codes you saved, like abcd-efgh-ijkl-mnop. Each works once.'
          : 'Enter the 6-digit code from your authenticator app. A recovery code works here too.'}
      </p>
      <SubmitButton label="Verify" pendingLabel="Verifying…" />
      <p className="hint">
        <Link href={secondStepPath(nextParam, recovery ? {} : { recovery: '1' })}>
          {recovery ? 'Use your authenticator app instead' : 'Lost your phone? Use a recovery code'}
        </Link>
      </p>
    </form>
  );
}
