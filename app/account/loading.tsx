import { LoadingCard } from '../components/loading-card';

export default function AccountLoading() {
  return <LoadingCard title="Your account" what="your sessions" />;
}
