import Link from 'next/link';
import type { AuditEntry } from '@/lib/server/views';
import { TableScroll } from '../components/table-scroll';
import { utc } from './format';

/** Audit events: when, what, about whom, by whom (an admin or the users command), detail. */
export function AuditTable({ labelledBy, events }: { labelledBy: string; events: readonly AuditEntry[] }) {
  if (events.length === 0) return <p className="muted">No events.</p>;
  return (
    <TableScroll labelledBy={labelledBy}>
      <table data-testid="audit-table">
        <thead>
          <tr>
            <th>When (UTC)</th>
            <th>Event</th>
            <th>User</th>
            <th>By</th>
            <th>Detail</th>
            <th>Address</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td>{utc(e.at)}</td>
              <td>{e.type}</td>
              <td>
                {e.user === null ? (
                  '—'
                ) : e.user.deleted ? (
                  `${e.user.username} (deleted)`
                ) : (
                  <Link href={`/admin/users/${encodeURIComponent(e.user.id)}`}>{e.user.username}</Link>
                )}
              </td>
              <td>
                {e.actor === null
                  ? '—'
                  : e.actor.kind === 'users-command'
                    ? 'by the users command'
                    : `by ${e.actor.user.username}${e.actor.user.deleted ? ' (deleted)' : ''}`}
              </td>
              <td>{e.detail ?? ''}</td>
              <td>{e.ip ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
