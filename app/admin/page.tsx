import type { Metadata } from 'next';
import { getGatehouse } from '@/lib/server/runtime';
import { requireAdmin } from '@/lib/server/session';
import { SessionUnavailable } from '../components/session-unavailable';

export const metadata: Metadata = { title: 'Admin' };

export default async function AdminPage() {
  const user = await requireAdmin('/admin');
  if (!user) return <SessionUnavailable retry="/admin" />;

  const { store } = await getGatehouse();
  const [users, events] = await Promise.all([store.listUsers(), store.listEvents({ limit: 15 })]);
  const names = new Map(users.map((u) => [u.id, u.username]));
  const time = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

  return (
    <main>
      <div className="card">
        <h1 data-testid="admin-title">Admin</h1>
        <p className="muted">Signed in as {user.name}. Accounts are managed with <code>npm run users</code>.</p>
      </div>
      <div className="card">
        <h2>Users</h2>
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
                <td>{u.displayName}</td>
                <td>{u.admin ? 'admin' : 'user'}</td>
                <td>
                  <span className={`badge ${u.status === 'active' ? 'ok' : 'bad'}`}>{u.status}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="card">
        <h2>Recent auth events</h2>
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
                <td>{e.userId ? (names.get(e.userId) ?? '(deleted)') : '—'}</td>
                <td>{e.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </main>
  );
}
