import type { CoreDeps } from './core-deps';
import type { PasswordLinks } from './password-links';

/** What admins do to accounts, from the console and the users command alike (issue 8, part 3). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AdminConsole {}

export function createAdminConsole(deps: CoreDeps, links: PasswordLinks): AdminConsole {
  void deps;
  void links;
  return {};
}
