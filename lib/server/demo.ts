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

/**
 * A production start (AUTH_SECRET set) on a database that the demo once seeded: the demo
 * accounts, with their published password, may still be there. Say so loudly.
 */
export async function demoLeftoverWarning(gh: Gatehouse): Promise<string | null> {
  if (gh.config.demo || (await gh.store.getMeta('demo_seeded')) === null) return null;
  const left: string[] = [];
  for (const { username } of DEMO_USERS) {
    const user = await gh.store.findUserByUsername(username);
    if (user && (await gh.hasher.verify(user.passwordHash, DEMO_PASSWORD))) left.push(username);
  }
  if (left.length === 0) return null;
  return (
    `[gatehouse] WARNING: demo account(s) ${left.join(', ')} still have the demo password "${DEMO_PASSWORD}". ` +
    `Delete them (npm run users -- delete ${left[0]}) or change the password before going live.`
  );
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
