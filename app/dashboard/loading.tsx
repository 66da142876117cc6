import { LoadingCard } from '../components/loading-card';

export default function DashboardLoading() {
  return <LoadingCard title="Dashboard" what="your session" />;
}
