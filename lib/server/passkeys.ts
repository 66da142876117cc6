import 'server-only';
import type { SignedIn } from '../auth/gatehouse';
import type { PasskeyInfo } from '../auth/passkeys';
import { hasCode } from '../edge/errors';
import { getGatehouse } from './runtime';

export type { PasskeyInfo } from '../auth/passkeys';

export type PasskeysOverview =
  | { readonly available: true; readonly passkeys: readonly PasskeyInfo[] }
  /** Passkeys are off on this server (no usable AUTH_PUBLIC_URL); `reason` says why. */
  | { readonly available: false; readonly reason: string };

/**
 * What the account page's passkeys card shows: the caller's passkeys, through the passkeys
 * service (which confirms the session first). Null when the session has ended meanwhile (the
 * page itself sends the visitor to sign in).
 */
export async function passkeysOverview(signedIn: SignedIn): Promise<PasskeysOverview | null> {
  const gh = await getGatehouse();
  if (gh.passkeys.unavailable) return { available: false, reason: gh.passkeys.unavailable };
  try {
    return { available: true, passkeys: await gh.passkeys.list(signedIn) };
  } catch (error) {
    if (hasCode(error, 'invalid_token')) return null;
    throw error;
  }
}

/** Whether this server offers passkey sign-in at all (the sign-in page's button and autofill). */
export async function passkeysOffered(): Promise<boolean> {
  return (await getGatehouse()).passkeys.unavailable === null;
}
