import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { hasCode } from '@/lib/edge/errors';
import {
  clearSecondFactor,
  createPasswordLink,
  deleteUser,
  revokeSession,
  revokeSessions,
  setAdmin,
  setBanned,
  unlockUser,
} from '@/lib/server/admin-actions';
import { requireAdmin } from '@/lib/server/auth';
import { adminUser, type UserDetail } from '@/lib/server/views';
import { TableScroll } from '../../../components/table-scroll';
import { ActionForm } from '../../action-form';
import { AuditTable } from '../../audit-table';
import { utc } from '../../format';
import { withQuery } from '../../params';

export const metadata: Metadata = { title: 'User · Admin' };

/** Our ids are base64url (or UUIDs in an imported database): anything else is no page, not an error. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export default async function AdminUserPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireAdmin();
  const { id } = await params;
  if (!ID.test(id)) notFound();
  let detail: UserDetail;
  try {
    detail = await adminUser(id);
  } catch (error) {
    if (hasCode(error, 'unknown_user')) notFound();
    throw error;
  }
  const { user, sessions, events, self, secondFactors } = detail;
  const fields = { userId: user.id, username: user.username };

  return (
    <main>
      <div className="card">
        <p>
          <Link href="/admin">← All users</Link>
        </p>
        <h1 data-testid="user-title">{user.username}</h1>
        <dl className="facts">
          <dt>Name</dt>
          <dd>{user.name}</dd>
          <dt>Role</dt>
          <dd data-testid="user-role">{user.admin ? 'admin' : 'user'}</dd>
          <dt>Status</dt>
          <dd>
            <span data-testid="user-status" className={`badge ${user.status === 'active' ? 'ok' : 'bad'}`}>
              {user.status}
            </span>
          </dd>
          <dt>Created</dt>
          <dd>{utc(user.createdAt)} UTC</dd>
          <dt>Password set</dt>
          <dd>
            {user.passwordChangedAt === null
              ? 'not since the account was made'
              : `${utc(user.passwordChangedAt)} UTC`}
          </dd>
          <dt>Second factor</dt>
          <dd data-testid="user-second-factors">
            {secondFactors.totp ? 'authenticator app' : 'no authenticator app'},{' '}
            {secondFactors.passkeys === 1 ? '1 passkey' : `${secondFactors.passkeys} passkeys`}
          </dd>
        </dl>
      </div>

      <div className="card">
        <h2 id="actions-heading">Actions</h2>
        {self ? (
          <p className="muted">
            This is your account ({me.user.name}): banning, deleting it and taking its admin rights are
            refused. Another admin must do them.
          </p>
        ) : null}
        <div className="admin-actions">
          <ActionForm
            action={setBanned}
            fields={{ ...fields, ban: user.status === 'active' ? 'yes' : 'no' }}
            label={user.status === 'active' ? 'Ban' : 'Unban'}
            pendingLabel={user.status === 'active' ? 'Banning…' : 'Unbanning…'}
            accessibleName={`${user.status === 'active' ? 'Ban' : 'Unban'} ${user.username}`}
            variant={user.status === 'active' ? 'danger' : undefined}
            testId="ban"
          />
          <ActionForm
            action={setAdmin}
            fields={{ ...fields, admin: user.admin ? 'no' : 'yes' }}
            label={user.admin ? 'Take admin rights' : 'Make admin'}
            pendingLabel={user.admin ? 'Taking admin rights…' : 'Making admin…'}
            variant="secondary"
          />
          <ActionForm
            action={unlockUser}
            fields={fields}
            label="Unlock sign-in"
            pendingLabel="Unlocking…"
            variant="secondary"
          />
          <ActionForm
            action={createPasswordLink}
            fields={fields}
            label="Create a password link"
            pendingLabel="Creating a link…"
            variant="secondary"
            testId="password-link"
          />
          <ActionForm
            action={revokeSessions}
            fields={fields}
            label="End all sessions"
            pendingLabel="Ending sessions…"
            variant="secondary"
          />
        </div>
        <h3 id="second-factor-heading">Second factor</h3>
        <p className="muted">
          For a lost phone: clearing removes {user.username}&apos;s authenticator app and recovery codes, so
          their password alone signs them in until they turn it on again. Passkeys stay. Be sure it is them
          asking.
        </p>
        <ActionForm
          action={clearSecondFactor}
          fields={fields}
          label="Clear second factor"
          pendingLabel="Clearing…"
          accessibleName={`Clear second factor of ${user.username}`}
          variant="danger"
          confirm={<>Yes, clear the authenticator app of {user.username}</>}
          testId="clear-second-factor"
        />
        <h3 id="delete-heading">Delete</h3>
        <p className="muted">
          Deleting signs {user.username} out everywhere, frees the username and erases the addresses and
          browsers recorded for the account. The audit trail keeps its events.
        </p>
        <ActionForm
          action={deleteUser}
          fields={fields}
          label="Delete user"
          pendingLabel="Deleting…"
          accessibleName={`Delete user ${user.username}`}
          variant="danger"
          confirm={<>Yes, delete {user.username}</>}
          testId="delete"
        />
      </div>

      <div className="card">
        <h2 id="sessions-heading">Sessions</h2>
        {sessions.length === 0 ? (
          <p className="muted" data-testid="no-sessions">
            No live sessions.
          </p>
        ) : (
          <TableScroll labelledBy="sessions-heading">
            <table data-testid="sessions-table">
              <thead>
                <tr>
                  <th>Browser</th>
                  <th>Address</th>
                  <th>Signed in (UTC)</th>
                  <th>Last active (UTC)</th>
                  <th>
                    <span className="visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((s, i) => (
                  <tr key={s.id}>
                    <td title={s.userAgent ?? undefined}>
                      {s.browser}
                      {s.current ? ' (you, here)' : ''}
                    </td>
                    <td>{s.ip ?? 'unknown'}</td>
                    <td>{utc(s.createdAt)}</td>
                    <td>{utc(s.lastActiveAt)}</td>
                    <td>
                      <ActionForm
                        action={revokeSession}
                        fields={{ ...fields, sessionId: s.id }}
                        label="End"
                        pendingLabel="Ending…"
                        accessibleName={`End session ${i + 1} (${s.browser}, ${s.ip ?? 'unknown address'})`}
                        variant="secondary"
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </div>

      <div className="card">
        <h2 id="user-events-heading">Recent events</h2>
        <AuditTable labelledBy="user-events-heading" events={events} />
        <p>
          <Link href={withQuery('/admin/audit', { user: user.username })}>All events of {user.username}</Link>
        </p>
      </div>
    </main>
  );
}
