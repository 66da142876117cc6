import { LoadingCard } from '../../components/loading-card';

/**
 * The overview's loading state. In a route group so it covers /admin only: the user and audit
 * pages have no streaming boundary, so they arrive whole, and notFound() for a bad id is a real
 * 404 (a status cannot change once a stream has started).
 */
export default function AdminLoading() {
  return <LoadingCard title="Admin" what="users and recent events" />;
}
