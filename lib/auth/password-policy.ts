import { WeakPasswordError } from '../edge/errors';
import { MAX_PASSWORD_LENGTH } from './passwords';
import { usernameKey } from './store';
import { commonPasswords } from './wordlist';

/**
 * The one password policy, for every path that sets a password (the users command today;
 * password change and reset later). NIST SP 800-63B's rules, not composition rules: long
 * enough, bounded by the hashing cap, not the username, not a password attackers try first.
 * The demo's seeded `password` is the one exception, and exists only under AUTH_DEMO=1.
 */
export const MIN_PASSWORD_LENGTH = 8;

export function checkPasswordPolicy(
  password: string,
  username: string,
  common: ReadonlySet<string> = commonPasswords(),
): void {
  // The same measure as the sign-in form's cap (UTF-16 units), so a password accepted here is
  // never refused at sign-in.
  const length = password.length;
  if (password.trim().length === 0 || [...password.trim()].length < MIN_PASSWORD_LENGTH) {
    throw new WeakPasswordError(
      `passwords need at least ${MIN_PASSWORD_LENGTH} characters (spaces at either end do not count)`,
    );
  }
  if (length > MAX_PASSWORD_LENGTH) {
    throw new WeakPasswordError(`passwords may have at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  const normalised = usernameKey(password.trim());
  if (normalised === usernameKey(username)) {
    throw new WeakPasswordError('the password must not be the username');
  }
  if (common.has(normalised)) {
    throw new WeakPasswordError(
      'that password is on the list of common passwords attackers try first; choose another',
    );
  }
}
