import type { Gatehouse } from '../auth/gatehouse';
import { randomId } from '../auth/random';

/** The demo accounts: the tutorial's admin `jon`, and a non-admin to see a 403 with. */
export const DEMO_USERS = [
  { username: 'jon', displayName: 'Jon Doe', admin: true },
  { username: 'ada', displayName: 'Ada Lovelace', admin: false },
] as const;
export const DEMO_PASSWORD = 'password';

/**
 * Creates the demo users once, on the first demo start against an empty database. Never in
 * production (AUTH_SECRET set), never into a database that already has users, and never again
 * after the first time, even if they are deleted later.
 */
export async function seedDemoUsers(gh: Gatehouse): Promise<boolean> {
  if (!gh.config.demo) return false;
  if ((await gh.store.listUsers()).length > 0) return false;
  if (!(await gh.store.setMetaOnce('demo_seeded', new Date(gh.clock()).toISOString(), gh.clock()))) return false;
  for (const user of DEMO_USERS) {
    await gh.store.createUser({
      id: randomId(gh.random),
      username: user.username,
      displayName: user.displayName,
      passwordHash: await gh.hasher.hash(DEMO_PASSWORD),
      admin: user.admin,
      now: gh.clock(),
    });
  }
  return true;
}

export function demoBanner(): string {
  const line = '─'.repeat(72);
  return [
    line,
    ' Gatehouse is running as a DEMO (AUTH_SECRET is not set).',
    ' A secret was generated and kept in .data/demo-secret.',
    ` Demo users: jon / ${DEMO_PASSWORD} (Jon Doe, admin)   ada / ${DEMO_PASSWORD} (Ada Lovelace)`,
    ' For production set AUTH_SECRET (openssl rand -base64 32); demo users are then never created.',
    line,
  ].join('\n');
}
