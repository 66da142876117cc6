import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { getPageAuth } from '@/lib/server/session';
import { NavLink } from './components/nav-link';
import { SignOutButton } from './components/sign-out-button';
import './globals.css';

export const metadata: Metadata = { title: { default: 'Gatehouse', template: '%s · Gatehouse' } };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Navigation only; every protected page checks the token itself (layouts do not re-run on
  // client-side navigation).
  const auth = await getPageAuth();
  const user = auth.state === 'signed-in' ? auth.user : null;
  return (
    <html lang="en">
      <body>
        <header className="site">
          <Link href="/" className="brand">
            Gatehouse
          </Link>
          <nav aria-label="Main">
            <NavLink href="/">Home</NavLink>
            <NavLink href="/dashboard">Dashboard</NavLink>
            {user?.admin ? <NavLink href="/admin">Admin</NavLink> : null}
          </nav>
          <div className="who">
            {user ? (
              <>
                <span data-testid="nav-user">{user.name}</span>
                <SignOutButton className="secondary" />
              </>
            ) : auth.state === 'unavailable' ? (
              <span>Session check unavailable</span>
            ) : (
              <Link href="/login">Sign in</Link>
            )}
          </div>
        </header>
        {children}
      </body>
    </html>
  );
}
