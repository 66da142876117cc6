'use client';

import { useActionState } from 'react';
import { SubmitButton } from '../components/submit-button';
import { revokeSession, type AccountActionState } from '@/lib/server/account-actions';
import { TableScroll } from '../components/table-scroll';
import { errorText, noticeText } from './messages';

export interface SessionRow {
  readonly id: string;
  readonly current: boolean;
  /** "Chrome 131 on macOS" */
  readonly device: string;
  readonly userAgent: string | null;
  readonly ip: string | null;
  readonly signedIn: { readonly iso: string; readonly text: string };
  readonly lastActive: { readonly iso: string; readonly text: string };
  /** "password + authenticator app", "passkey on this device" */
  readonly signedInWith: string;
}

const INITIAL: AccountActionState = { error: null, notice: null };

/**
 * The live sessions, each with a Revoke button: a form posting the revokeSession Server Action
 * with the session's id, so it works without JavaScript. Revoking this device's own session
 * signs this browser out (the action sends it to the sign-in page).
 */
export function SessionsTable({ sessions }: { sessions: readonly SessionRow[] }) {
  const [state, formAction] = useActionState(revokeSession, INITIAL);
  return (
    <>
      <div aria-live="polite">
        {state.error ? (
          <p className="error" role="alert" data-testid="sessions-error">
            {errorText(state.error)}
          </p>
        ) : state.notice ? (
          <p className="notice" role="status" data-testid="sessions-notice">
            {noticeText(state.notice)}
          </p>
        ) : null}
      </div>
      <TableScroll labelledBy="sessions-heading">
        <table className="sessions">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Address</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last active</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id} data-testid="session-row" data-current={s.current || undefined}>
                <td>
                  <span title={s.userAgent ?? undefined}>{s.device}</span>
                  {s.current ? (
                    <>
                      {' '}
                      <span className="badge ok" data-testid="this-device">
                        this device
                      </span>
                    </>
                  ) : null}
                </td>
                <td>{s.ip ?? 'unknown'}</td>
                <td>
                  <time dateTime={s.signedIn.iso}>{s.signedIn.text}</time>
                  <br />
                  <span className="muted" data-testid="signed-in-with">
                    with {s.signedInWith}
                  </span>
                </td>
                <td>
                  <time dateTime={s.lastActive.iso}>{s.lastActive.text}</time>
                </td>
                <td>
                  <form action={formAction} className="inline">
                    <input type="hidden" name="session" value={s.id} />
                    <RevokeButton session={s} />
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}

function RevokeButton({ session }: { session: SessionRow }) {
  const what = session.current
    ? `Revoke this device's session (${session.device}) and sign out`
    : `Revoke the session of ${session.device}, signed in ${session.signedIn.text}`;
  return (
    <SubmitButton label="Revoke" pendingLabel="Revoking…" accessibleName={what} className="secondary small" />
  );
}
