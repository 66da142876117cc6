import type { Metadata } from 'next';
import Link from 'next/link';
import { hasCode } from '@/lib/edge/errors';
import { requireAdmin } from '@/lib/server/auth';
import { adminAudit, AUTH_EVENT_TYPES, MAX_PAGE, type AuditPage } from '@/lib/server/views';
import { AuditTable } from '../audit-table';
import { pageParam, textParam, withQuery } from '../params';
import { Pager } from '../pager';

export const metadata: Metadata = { title: 'Audit trail · Admin' };

const PAGE_SIZE = 50;

/** The audit trail, newest first, filtered by user and event type through the query string. */
export default async function AuditTrailPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdmin();
  const params = await searchParams;
  const username = textParam(params, 'user', 64);
  const requestedType = textParam(params, 'type', 40);
  // An unknown type in a hand-edited URL is no filter, not an error.
  const type = (AUTH_EVENT_TYPES as readonly string[]).includes(requestedType) ? requestedType : '';
  const page = pageParam(params, MAX_PAGE);

  let trail: AuditPage | null = null;
  try {
    trail = await adminAudit({
      username: username || undefined,
      type: type || undefined,
      page,
      pageSize: PAGE_SIZE,
    });
  } catch (error) {
    if (!hasCode(error, 'unknown_user')) throw error;
  }

  return (
    <main>
      <div className="card">
        <p>
          <Link href="/admin">← Admin</Link>
        </p>
        <h1 data-testid="audit-title">Audit trail</h1>
        <form className="filters" action="/admin/audit" method="get" aria-label="Filter events">
          <div>
            <label htmlFor="audit-user">User</label>
            <input
              id="audit-user"
              name="user"
              type="text"
              defaultValue={username}
              maxLength={64}
              autoComplete="off"
            />
          </div>
          <div>
            <label htmlFor="audit-type">Event</label>
            <select id="audit-type" name="type" defaultValue={type}>
              <option value="">Any event</option>
              {AUTH_EVENT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">Filter</button>
        </form>
      </div>
      <div className="card">
        <h2 id="trail-heading">{username || type ? 'Matching events' : 'All events'}, newest first</h2>
        {trail === null ? (
          <p className="error" role="alert" data-testid="audit-unknown-user">
            There is no user named “{username}”.
          </p>
        ) : (
          <>
            <AuditTable labelledBy="trail-heading" events={trail.events} />
            <Pager
              label="Audit trail pages"
              page={trail.page}
              hasNext={trail.hasNext}
              href={(p) => withQuery('/admin/audit', { user: username, type, page: p === 1 ? null : p })}
            />
          </>
        )}
      </div>
    </main>
  );
}
