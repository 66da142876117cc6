import type { ReactNode } from 'react';
import { requireUser } from '@/lib/server/auth';
import { guarded } from '../components/guarded';

/** The sign-in check for everything under /dashboard (app/components/guarded.tsx). */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  return guarded(requireUser, children);
}
