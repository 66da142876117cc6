'use client';

import { SubmitButton } from './submit-button';
import { signOut } from '@/lib/server/actions';

/**
 * The signOut Server Action in a form: without JavaScript it is a plain post the action
 * answers with a redirect to /; with it, no page load, and the other tabs follow
 * (lib/client/session.tsx).
 */
export function SignOutButton({ className }: { className?: string }) {
  return (
    <form action={signOut} className="sign-out">
      <SubmitButton label="Sign out" pendingLabel="Signing out…" className={className} />
    </form>
  );
}
