import type { SignedIn } from '@/lib/server/auth';

/** The authenticator-app (TOTP) card of the account page. */
export async function TwoFactorCard(_props: { signedIn: SignedIn }) {
  return null;
}
