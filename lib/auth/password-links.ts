import type { CoreDeps } from './core-deps';
import type { PasswordLinkPurpose } from './store';

/** One-time links to set a password: resets and invitations (issue 8, part 4). */
export interface PasswordLinks {
  /**
   * A new link for this user (ending their earlier unused ones): the URL to hand over, built
   * on AUTH_PUBLIC_URL (or http://localhost:3000), and when it expires (ms since the epoch).
   * `createdBy` is the acting admin's id, null for the users command.
   */
  create(
    userId: string,
    options: { readonly purpose: PasswordLinkPurpose; readonly createdBy: string | null },
  ): Promise<{ readonly url: string; readonly expiresAt: number }>;
}

export function createPasswordLinks(deps: CoreDeps): PasswordLinks {
  void deps;
  return {
    async create() {
      throw new Error('not built yet');
    },
  };
}
