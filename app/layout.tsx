import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { toSessionValue } from '@/lib/client/session-data';
import { SessionProvider } from '@/lib/client/session';
import { hasCode } from '@/lib/edge/errors';
import { auth, type SignedIn } from '@/lib/server/auth';
import { SiteHeader } from './components/site-header';
import './globals.css';

export const metadata: Metadata = { title: { default: 'Gatehouse', template: '%s · Gatehouse' } };
export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // For the header and useSession() only; every protected page checks the token itself
  // (layouts do not re-run on client-side navigation).
  let signedIn: SignedIn | null = null;
  let unavailable = false;
  try {
    signedIn = await auth();
  } catch (error) {
    // The page itself says "try again" (app/error.tsx); the header just does not know who you are.
    if (!hasCode(error, 'temporarily_unavailable')) throw error;
    unavailable = true;
  }
  return (
    <html lang="en">
      <body>
        <SessionProvider value={toSessionValue(signedIn, unavailable)}>
          <SiteHeader />
          {children}
        </SessionProvider>
      </body>
    </html>
  );
}
