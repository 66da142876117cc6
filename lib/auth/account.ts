import type { CoreDeps } from './core-deps';

/** A signed-in user's own account: their sessions and their password (issue 8, part 2). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Account {}

export function createAccount(deps: CoreDeps): Account {
  void deps;
  return {};
}
