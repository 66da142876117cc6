import type { ReactNode } from 'react';
import { requireAdmin } from '@/lib/server/auth';
import { guarded } from '../components/guarded';

/** The admin check for everything under /admin (app/components/guarded.tsx). */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  return guarded(requireAdmin, children);
}
