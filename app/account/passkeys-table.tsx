'use client';

import { useActionState, useId, type ReactNode } from 'react';
import { useFormStatus } from 'react-dom';
import { managePasskey, type PasskeyActionState } from '@/lib/server/passkey-actions';
import { TableScroll } from '../components/table-scroll';
import { passkeyErrorText } from './passkey-messages';

export interface PasskeyRow {
  readonly id: string;
  readonly name: string;
  /** Synced by the person's platform between their devices, or bound to one authenticator. */
  readonly synced: boolean;
  readonly added: { readonly iso: string; readonly text: string };
  readonly lastUsed: { readonly iso: string; readonly text: string } | null;
}

const INITIAL: PasskeyActionState = {
  renaming: null,
  removing: null,
  needsPassword: false,
  error: null,
  notice: null,
};

/**
 * The user's passkeys. Every button posts the managePasskey Server Action with its `intent`, so
 * all of it works without JavaScript: "Rename" opens a form under the table, "Remove" asks to
 * confirm (and for the password when the sign-in is older than five minutes), "Cancel" closes.
 */
export function PasskeysTable({ passkeys }: { passkeys: readonly PasskeyRow[] }) {
  const [state, formAction] = useActionState(managePasskey, INITIAL);
  const open = passkeys.find((p) => p.id === state.renaming || p.id === state.removing);
  const messageId = useId();
  const message = state.error ? (
    <p className="error" role="alert" id={messageId} data-testid="passkeys-error">
      {passkeyErrorText(state.error)}
    </p>
  ) : null;

  return (
    <>
      <div aria-live="polite">
        {state.notice ? (
          <p className="notice" role="status" data-testid="passkeys-notice">
            {state.notice.kind === 'renamed'
              ? `The passkey is now called “${state.notice.name}”.`
              : `“${state.notice.name}” was removed. It no longer signs you in.`}
          </p>
        ) : null}
        {open ? null : message}
      </div>
      {passkeys.length === 0 ? (
        <p className="muted" data-testid="no-passkeys">
          You have no passkeys yet.
        </p>
      ) : (
        <TableScroll labelledBy="passkeys-heading">
          <table className="sessions passkeys">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Added</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {passkeys.map((p) => (
                <tr key={p.id} data-testid="passkey-row">
                  <td>{p.name}</td>
                  <td>
                    <span className={p.synced ? 'badge ok' : 'badge'}>
                      {p.synced ? 'synced' : 'this device only'}
                    </span>
                  </td>
                  <td>
                    <time dateTime={p.added.iso}>{p.added.text}</time>
                  </td>
                  <td>{p.lastUsed ? <time dateTime={p.lastUsed.iso}>{p.lastUsed.text}</time> : 'never'}</td>
                  <td>
                    <form action={formAction} className="inline">
                      <input type="hidden" name="passkey" value={p.id} />
                      <Intent intent="rename" label="Rename" accessibleName={`Rename ${p.name}`} look="row" />
                      <Intent intent="ask" label="Remove" accessibleName={`Remove ${p.name}`} look="row" />
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {open ? (
        <OpenForm passkey={open} state={state} action={formAction} message={message} messageId={messageId} />
      ) : null}
    </>
  );
}

/** The rename form or the removal's confirmation, for the one passkey whose button was pressed. */
function OpenForm({
  passkey: p,
  state,
  action,
  message,
  messageId,
}: {
  passkey: PasskeyRow;
  state: PasskeyActionState;
  action: (form: FormData) => void;
  message: ReactNode;
  messageId: string;
}) {
  const inputId = useId();
  const invalid = state.error ? true : undefined;
  const describedBy = state.error ? messageId : undefined;
  return (
    <form action={action} className="passkey-form">
      {message}
      <input type="hidden" name="passkey" value={p.id} />
      {state.renaming === p.id ? (
        <>
          <label htmlFor={inputId}>New name for “{p.name}”</label>
          <input
            id={inputId}
            name="name"
            type="text"
            defaultValue={p.name}
            maxLength={64}
            required
            autoFocus
            autoComplete="off"
            aria-invalid={invalid}
            aria-describedby={describedBy}
          />
        </>
      ) : (
        <>
          <p>Remove “{p.name}”? You will no longer be able to sign in with it.</p>
          {state.needsPassword ? (
            <>
              <label htmlFor={inputId}>Your password</label>
              <input
                id={inputId}
                name="password"
                type="password"
                autoComplete="current-password"
                required
                autoFocus
                aria-invalid={invalid}
                aria-describedby={describedBy}
              />
            </>
          ) : null}
        </>
      )}
      <div className="actions spaced">
        {state.renaming === p.id ? (
          <Intent intent="save" label="Save name" busy="Saving…" look="primary" />
        ) : (
          <Intent intent="remove" label="Remove passkey" busy="Removing…" look="danger" />
        )}
        <Intent intent="cancel" label="Cancel" look="secondary" />
      </div>
    </form>
  );
}

/** A submit button that says which of the action's intents it is; disabled while its form posts. */
function Intent(props: {
  intent: string;
  label: string;
  /** What it says while its form posts. */
  busy?: string;
  accessibleName?: string;
  look: 'row' | 'primary' | 'secondary' | 'danger';
}) {
  const { pending } = useFormStatus();
  const className = { row: 'secondary small', primary: undefined, secondary: 'secondary', danger: 'danger' }[
    props.look
  ];
  return (
    <button
      type="submit"
      name="intent"
      value={props.intent}
      className={className}
      disabled={pending}
      aria-busy={pending || undefined}
      aria-label={pending ? undefined : props.accessibleName}
    >
      {pending && props.busy ? props.busy : props.label}
    </button>
  );
}
