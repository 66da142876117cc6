'use client';

import Link from 'next/link';
import { useActionState, useId } from 'react';
import { SubmitButton } from '../components/submit-button';
import { createUser, type AdminActionState } from '@/lib/server/admin-actions';
import { adminMessage } from './messages';
import { OneTimeLink } from './one-time-link';

const INITIAL: AdminActionState = { done: null, error: null };

/**
 * A new account: username, display name, admin or not. No password: the answer carries a
 * one-time invitation link for its owner to set one, shown here once.
 */
export function CreateUserForm() {
  const [state, action] = useActionState(createUser, INITIAL);
  const errorId = useId();
  const invalid = state.error === 'invalid_username' || state.error === 'username_taken';
  return (
    <form action={action} className="create-user" data-testid="create-user">
      <label htmlFor="new-username">Username</label>
      <input
        id="new-username"
        name="username"
        type="text"
        autoComplete="off"
        autoCapitalize="none"
        spellCheck={false}
        required
        maxLength={64}
        defaultValue={state.values?.username}
        aria-invalid={invalid || undefined}
        aria-describedby={state.error ? errorId : undefined}
      />
      <label htmlFor="new-name">
        Display name <span className="muted">(optional)</span>
      </label>
      <input
        id="new-name"
        name="name"
        type="text"
        autoComplete="off"
        maxLength={100}
        defaultValue={state.values?.name}
        aria-invalid={state.error === 'invalid_name' || undefined}
        aria-describedby={state.error ? errorId : undefined}
      />
      <label className="check" htmlFor="new-admin">
        <input id="new-admin" type="checkbox" name="admin" value="yes" defaultChecked={state.values?.admin} />
        Admin
      </label>
      <SubmitButton label="Create user" pendingLabel="Creating…" />
      <div aria-live="polite">
        {state.error ? (
          <p className="error" role="alert" id={errorId}>
            {adminMessage(state.error)}
          </p>
        ) : state.done ? (
          <p className="done" role="status">
            {state.done}{' '}
            {state.userId ? (
              <Link href={`/admin/users/${encodeURIComponent(state.userId)}`}>Open their page</Link>
            ) : null}
          </p>
        ) : null}
      </div>
      {state.link ? <OneTimeLink {...state.link} /> : null}
    </form>
  );
}
