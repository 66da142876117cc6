'use client';

import { useActionState, useId, type ReactNode } from 'react';
import { SubmitButton } from '../components/submit-button';
import type { AdminActionState } from '@/lib/server/admin-actions';
import { adminMessage } from './messages';
import { OneTimeLink } from './one-time-link';

type Action = (state: AdminActionState, form: FormData) => Promise<AdminActionState>;

const INITIAL: AdminActionState = { done: null, error: null };

/**
 * One admin action as a form with one button: a plain POST of the Server Action without
 * JavaScript (the page comes back with the answer), no page load with it. The answer is
 * announced next to the button; a one-time link, when the action made one, is shown once.
 */
export function ActionForm({
  action,
  fields,
  label,
  pendingLabel,
  accessibleName,
  variant,
  confirm,
  testId,
}: {
  action: Action;
  /** Hidden inputs: which user, which session. */
  fields: Readonly<Record<string, string>>;
  label: string;
  pendingLabel: string;
  /** A fuller name for the button when its label alone is ambiguous (it must start with the label). */
  accessibleName?: string;
  variant?: 'danger' | 'secondary';
  /** A checkbox that must be ticked first: the confirmation step, without JavaScript too. */
  confirm?: ReactNode;
  testId?: string;
}) {
  const [state, formAction] = useActionState(action, INITIAL);
  const messageId = useId();
  const confirmId = useId();
  return (
    <form action={formAction} className="admin-action" data-testid={testId}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {confirm ? (
        <label className="check" htmlFor={confirmId}>
          <input id={confirmId} type="checkbox" name="confirm" value="yes" />
          {confirm}
        </label>
      ) : null}
      <SubmitButton
        label={label}
        pendingLabel={pendingLabel}
        accessibleName={accessibleName}
        className={variant}
        describedBy={state.error || state.done ? messageId : undefined}
      />
      <div aria-live="polite" id={messageId}>
        {state.error ? (
          <p className="error" role="alert">
            {adminMessage(state.error)}
          </p>
        ) : state.done ? (
          <p className="done" role="status">
            {state.done}
          </p>
        ) : null}
      </div>
      {state.link ? <OneTimeLink {...state.link} /> : null}
    </form>
  );
}
