/**
 * What the admin console says for each refusal code (lib/edge/errors.ts), in one place for
 * every action's answer.
 */
const MESSAGES: Record<string, string> = {
  self_action: 'You cannot ban, delete or take admin rights from your own account: another admin must.',
  last_admin: 'That would leave no active admin. Make someone else an admin first.',
  not_found: 'That session has already ended.',
  unknown_user: 'There is no such user (any more).',
  forbidden: 'You are no longer an admin.',
  invalid_token: 'Your session has ended. Sign in again.',
  cross_origin_request: 'This request did not come from this site. Reload the page and try again.',
  invalid_username: 'Usernames are 1–64 characters: letters, digits and . _ @ + -',
  invalid_name: 'Display names are 1–100 printable characters.',
  username_taken: 'That username is already taken.',
  confirm_required: 'Tick the box to confirm.',
  invalid_request: 'That request was not understood. Reload the page and try again.',
  temporarily_unavailable: 'The database did not answer. Please try again in a moment.',
  server_busy: 'The server is busy. Please try again in a moment.',
};

export function adminMessage(code: string): string {
  return MESSAGES[code] ?? 'Something went wrong. Please try again.';
}
