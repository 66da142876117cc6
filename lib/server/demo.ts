import type { PasswordHasher } from '../auth/passwords';
import type { Store } from '../auth/store';
import type { Clock } from '../edge/clock';
import type { AuthConfig } from '../edge/config';
import { randomId, type RandomBytes } from '../edge/random';

/** What seeding needs: below the Gatehouse facade, at start-up, before any request. */
export interface DemoParts {
  readonly config: AuthConfig;
  readonly store: Store;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly random: RandomBytes;
}

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
export async function seedDemoUsers(gh: DemoParts): Promise<boolean> {
  if (!gh.config.demo) return false;
  if ((await gh.store.listUsers()).length > 0) return false;
  if (!(await gh.store.setMetaOnce('demo_seeded', new Date(gh.clock()).toISOString(), gh.clock()))) return false;
  const ids: string[] = [];
  for (const user of DEMO_USERS) {
    // The one place a password skips the password policy: the tutorial's published demo
    // password, and only under AUTH_DEMO=1 (a start with AUTH_SECRET refuses while it works).
    const created = await gh.store.createUser({
      id: randomId(gh.random),
      username: user.username,
      displayName: user.displayName,
      passwordHash: await gh.hasher.hash(DEMO_PASSWORD),
      admin: user.admin,
      now: gh.clock(),
    });
    ids.push(created.id);
  }
  await gh.store.setMetaOnce(DEMO_IDS_KEY, JSON.stringify(ids), gh.clock());
  return true;
}

const DEMO_IDS_KEY = 'demo_user_ids';

/**
 * A production start (AUTH_SECRET set) on a database that the demo once seeded: are the
 * accounts the demo created (by id; not every user) still accepting the published password?
 * Returns a refusal message naming them and the fix, or null when the start may go on.
 */
export async function demoLeftoverRefusal(gh: DemoParts): Promise<string | null> {
  if (gh.config.demo || (await gh.store.getMeta('demo_seeded')) === null) return null;
  const left: string[] = [];
  for (const user of await seededUsers(gh)) {
    if (user.deletedAt === null && (await gh.hasher.verify(user.passwordHash, DEMO_PASSWORD))) left.push(user.username);
  }
  if (left.length === 0) return null;
  return [
    `Refusing to start: demo account(s) ${left.join(', ')} still accept the published demo password "${DEMO_PASSWORD}",`,
    'and this start has AUTH_SECRET set (production). Give them new passwords (or delete them, keeping one admin) first, e.g.:',
    ...left.map((name) => `  npm run users -- password ${name}      (or: npm run users -- delete ${name})`),
  ].join('\n');
}

async function seededUsers(gh: DemoParts) {
  const ids = await gh.store.getMeta(DEMO_IDS_KEY);
  if (ids !== null) {
    const users = await Promise.all((JSON.parse(ids) as string[]).map((id) => gh.store.findUserById(id)));
    return users.filter((u) => u !== null);
  }
  // Databases seeded before the ids were recorded: the demo's usernames.
  const users = await Promise.all(DEMO_USERS.map((u) => gh.store.findUserByUsername(u.username)));
  return users.filter((u) => u !== null);
}

export function demoBanner(): string {
  const line = '─'.repeat(72);
  return [
    line,
    ' Gatehouse is running as a DEMO (AUTH_DEMO=1, no AUTH_SECRET).',
    ' A secret was generated and kept in .data/demo-secret.',
    ` Demo users: jon / ${DEMO_PASSWORD} (Jon Doe, admin)   ada / ${DEMO_PASSWORD} (Ada Lovelace)`,
    ' For production set AUTH_SECRET (openssl rand -base64 32); demo users are then never created,',
    ' and the server refuses to start while these two still accept the demo password.',
    line,
  ].join('\n');
}
