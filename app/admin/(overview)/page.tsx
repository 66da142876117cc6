import type { Metadata } from 'next';
import Link from 'next/link';
import { requireAdmin } from '@/lib/server/auth';
import { adminOverview, MAX_QUERY_LENGTH } from '@/lib/server/views';
import { TableScroll } from '../../components/table-scroll';
import { AuditTable } from '../audit-table';
import { CreateUserForm } from '../create-user-form';
import { overviewParams, textParam, withQuery } from '../params';
import { Pager } from '../pager';

export const metadata: Metadata = { title: 'Admin' };

export default async function AdminPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { user } = await requireAdmin();
  const params = await searchParams;
  const { query, page } = overviewParams(params);
  // Set by the delete action's redirect; anything but a username is not shown.
  const named = textParam(params, 'deleted', 64);
  const deleted = /^[A-Za-z0-9._@+-]+$/.test(named) ? named : '';
  const { users: found, recent } = await adminOverview(query, page);
  const pages = Math.max(1, Math.ceil(found.total / found.pageSize));

  return (
    <main>
      <div className="card">
        <h1 data-testid="admin-title">Admin</h1>
        <p className="muted">
          Signed in as {user.name}. Accounts can also be managed with <code>npm run users</code>.
        </p>
        <p className="actions">
          <Link href="/admin/audit">Audit trail</Link>
          <a href="#create-user-heading">Create a user</a>
        </p>
        {deleted ? (
          <p className="done" role="status">
            Deleted {deleted}.
          </p>
        ) : null}
      </div>
      <div className="card">
        <h2 id="users-heading">Users</h2>
        <form className="search" action="/admin" method="get" role="search" aria-label="Users">
          <label htmlFor="user-search">Search by username or name</label>
          <div className="inline">
            <input id="user-search" name="q" type="text" defaultValue={query} maxLength={MAX_QUERY_LENGTH} />
            <button type="submit">Search</button>
          </div>
        </form>
        <p className="muted" data-testid="users-count">
          {found.total === 0
            ? query
              ? `No user matches “${query}”.`
              : 'No users.'
            : `${found.total} user${found.total === 1 ? '' : 's'}${query ? ` matching “${query}”` : ''}.`}
        </p>
        {found.users.length > 0 ? (
          <TableScroll labelledBy="users-heading">
            <table>
              <thead>
                <tr>
                  <th>Username</th>
                  <th>Name</th>
                  <th>Role</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {found.users.map((u) => (
                  <tr key={u.id}>
                    <td>
                      <Link href={`/admin/users/${encodeURIComponent(u.id)}`}>{u.username}</Link>
                    </td>
                    <td>{u.name}</td>
                    <td>{u.admin ? 'admin' : 'user'}</td>
                    <td>
                      <span className={`badge ${u.status === 'active' ? 'ok' : 'bad'}`}>{u.status}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        ) : null}
        <Pager
          label="Users pages"
          page={found.page}
          pages={pages}
          href={(p) => withQuery('/admin', { q: query, page: p === 1 ? null : p })}
        />
      </div>
      <div className="card">
        <h2 id="create-user-heading">Create a user</h2>
        <p className="muted">
          The new account has no password: you get a one-time link for its owner to set one.
        </p>
        <CreateUserForm />
      </div>
      <div className="card">
        <h2 id="events-heading">Recent auth events</h2>
        <AuditTable labelledBy="events-heading" events={recent.events} />
        <p>
          <Link href="/admin/audit">The whole audit trail</Link>
        </p>
      </div>
    </main>
  );
}
