import { InsufficientAuthenticationError } from '../edge/errors';
import type { SignedIn } from './gatehouse';
import type { Store } from './store';

/**
 * How strongly a session was signed in, and what a surface may demand of it. The token says
 * how (`amr`, RFC 8176); the database says what the account could have used. A rule asks for
 * `mfa` in the token; the admin console asks for it only of admins who have a second factor,
 * so an admin without one is not locked out (and is told to add one).
 */
export interface SecondFactors {
  /** An authenticator app that is on (confirmed), not one half-enrolled. */
  readonly totp: boolean;
  readonly passkeys: number;
}

export async function secondFactorsOf(store: Store, userId: string): Promise<SecondFactors> {
  const [totp, passkeys] = await Promise.all([store.findTotp(userId), store.listPasskeys(userId)]);
  return { totp: totp !== null && totp.enabledAt !== null, passkeys: passkeys.length };
}

export const hasAny = (factors: SecondFactors): boolean => factors.totp || factors.passkeys > 0;

/** Whether this session's sign-in used more than one factor. */
export const signedInWithMfa = (signedIn: Pick<SignedIn, 'session'>): boolean =>
  signedIn.session.amr.includes('mfa');

/** Human words for an amr list, for pages: "password + authenticator app". */
export function describeSignIn(amr: readonly string[]): string {
  if (amr.includes('hwk')) return 'passkey on this device';
  if (amr.includes('swk')) return 'synced passkey';
  if (amr.includes('otp')) return 'password + authenticator app';
  if (amr.includes('pwd')) return 'password';
  return 'unknown';
}

/**
 * The admin console's rule: an admin with a second factor must have signed in with one.
 * InsufficientAuthenticationError otherwise (pages turn it into "sign in again with it").
 */
export async function assertAdminSignInStrength(
  secondFactors: (userId: string) => Promise<SecondFactors>,
  signedIn: Pick<SignedIn, 'user' | 'session'>,
): Promise<void> {
  if (signedInWithMfa(signedIn)) return;
  if (hasAny(await secondFactors(signedIn.user.id))) {
    throw new InsufficientAuthenticationError('this admin account has a second factor: sign in with it');
  }
}
