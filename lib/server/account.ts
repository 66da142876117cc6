import 'server-only';
import type { AccountProfile, AccountSession } from '../auth/account';
import type { SignedIn } from '../auth/gatehouse';
import { hasCode } from '../edge/errors';
import { getGatehouse } from './runtime';

export type { AccountProfile, AccountSession } from '../auth/account';

export interface AccountOverview {
  readonly profile: AccountProfile;
  readonly sessions: readonly AccountSession[];
}

/**
 * What the account page shows: name, username and the live sessions, read through the account
 * service, which confirms the session in the database first. Null when it has ended (revoked
 * from another browser a moment ago, while its access token is still good): the page then
 * sends the visitor to sign in. A database that does not answer throws UnavailableError.
 */
export async function accountOverview(signedIn: SignedIn): Promise<AccountOverview | null> {
  const gh = await getGatehouse();
  try {
    const [profile, sessions] = await Promise.all([gh.account.profile(signedIn), gh.account.list(signedIn)]);
    return { profile, sessions };
  } catch (error) {
    if (hasCode(error, 'invalid_token')) return null;
    throw error;
  }
}
