import type { Metadata } from 'next';
import { requireAdmin } from '@/lib/server/auth';
import { adminOverview } from '@/lib/server/views';
import { TableScroll } from '../components/table-scroll';

export const metadata: Metadata = { title: 'Admin' };

export default async function AdminPage() {
  const { user } = await requireAdmin();
  const { users, events } = await adminOverview();
  const time = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

  return (
    <main>
      <div className="card">
        <h1 data-testid="admin-title">Admin</h1>
        <p className="muted">
          Signed in as {user.name}. Accounts are managed with <code>npm run users</code>.
        </p>
      </div>
      <div className="card">
        <h2 id="users-heading">Users</h2>
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
              {users.map((u) => (
                <tr key={u.id}>
                  <td>{u.username}</td>
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
      </div>
      <div className="card">
        <h2 id="events-heading">Recent auth events</h2>
        <TableScroll labelledBy="events-heading">
          <table>
            <thead>
              <tr>
                <th>When (UTC)</th>
                <th>Event</th>
                <th>User</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e, i) => (
                <tr key={i}>
                  <td>{time(e.at)}</td>
                  <td>{e.type}</td>
                  <td>{e.username ?? '—'}</td>
                  <td>{e.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </div>
    </main>
  );
}
