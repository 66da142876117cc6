import { LoadingCard } from '../components/loading-card';

export default function AdminLoading() {
  return <LoadingCard title="Admin" what="users and recent events" />;
}
