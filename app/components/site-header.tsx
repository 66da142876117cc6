'use client';

import Link from 'next/link';
import { useSession } from '@/lib/client/session';
import { NavLink } from './nav-link';
import { SignOutButton } from './sign-out-button';

/** The site's header: who is signed in comes from useSession(), so it needs no request. */
export function SiteHeader() {
  const { status, data } = useSession();
  return (
    <header className="site">
      <Link href="/" className="brand">
        Gatehouse
      </Link>
      <nav aria-label="Main">
        <NavLink href="/">Home</NavLink>
        <NavLink href="/dashboard">Dashboard</NavLink>
        {data ? <NavLink href="/account">Account</NavLink> : null}
        {data?.user.admin ? <NavLink href="/admin">Admin</NavLink> : null}
      </nav>
      <div className="who">
        {data ? (
          <>
            <span data-testid="nav-user" className="who-name">
              {data.user.name}
            </span>
            <SignOutButton className="secondary" />
          </>
        ) : status === 'unavailable' ? (
          <span>Session check unavailable</span>
        ) : (
          <Link href="/login">Sign in</Link>
        )}
      </div>
    </header>
  );
}
