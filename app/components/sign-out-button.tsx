'use client';

import { useFormStatus } from 'react-dom';
import { signOut } from '@/lib/server/actions';

/**
 * The signOut Server Action in a form: without JavaScript it is a plain post the action
 * answers with a redirect to /; with it, no page load, and the other tabs follow
 * (lib/client/session.tsx).
 */
export function SignOutButton({ className }: { className?: string }) {
  return (
    <form action={signOut} className="sign-out">
      <Submit className={className} />
    </form>
  );
}

function Submit({ className }: { className?: string }) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={className} disabled={pending} aria-busy={pending || undefined}>
      {pending ? 'Signing out…' : 'Sign out'}
    </button>
  );
}
