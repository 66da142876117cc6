'use client';

import { useFormStatus } from 'react-dom';

/**
 * Every form's submit button: disabled while its action runs, so a second click cannot send the
 * form (a password, a revocation) twice, and saying so. Without JavaScript it is a plain button.
 */
export function SubmitButton(props: {
  label: string;
  pendingLabel: string;
  /** When the visible label alone is ambiguous (one "Revoke" per row): the name screen readers get. */
  accessibleName?: string;
  className?: string;
  describedBy?: string;
}) {
  const { pending } = useFormStatus();
  return (
    <button
      type="submit"
      className={props.className}
      disabled={pending}
      aria-busy={pending || undefined}
      aria-label={pending ? undefined : props.accessibleName}
      aria-describedby={props.describedBy}
    >
      {pending ? props.pendingLabel : props.label}
    </button>
  );
}
