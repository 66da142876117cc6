import type { SignedIn } from '@/lib/server/auth';

/** The passkeys card of the account page. */
export async function PasskeysCard(_props: { signedIn: SignedIn }) {
  return null;
}
