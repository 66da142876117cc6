import 'server-only';
import type { UsableLink } from '../auth/password-links';
import { hasCode } from '../edge/errors';
import { getGatehouse } from './runtime';

export type PasswordLinkView = Pick<UsableLink, 'username' | 'purpose'>;

/**
 * What the set-a-password page shows for this token: whose account and why, or null when the
 * link cannot be used (whatever the reason: the page says the same for all of them). Reads
 * only; opening the link never uses it up. A database that does not answer throws
 * UnavailableError, for the "try again" page.
 */
export async function passwordLinkView(token: string | undefined): Promise<PasswordLinkView | null> {
  if (!token) return null;
  const gh = await getGatehouse();
  try {
    const { username, purpose } = await gh.passwordLinks.check(token);
    return { username, purpose };
  } catch (error) {
    if (hasCode(error, 'invalid_link')) return null;
    throw error;
  }
}
