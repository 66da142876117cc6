import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '../lib/edge/clock';
import { parseConfig, type AuthConfig, type Env } from '../lib/edge/config';
import { createGatehouse, type Gatehouse } from '../lib/auth/gatehouse';
import { createArgon2Hasher, type PasswordHasher } from '../lib/auth/passwords';
import { keyringFor, type Keyring } from '../lib/edge/keys';
import { cryptoRandom, randomId, type RandomBytes } from '../lib/edge/random';
import type { Store, User } from '../lib/auth/store';
import type { SessionService } from '../lib/auth/sessions';
import type { CounterSource } from '../lib/auth/throttle';
import { openSqliteStore } from '../lib/store/sqlite';

/** Random-looking, as a real AUTH_SECRET must be (config refuses patterned secrets). */
export const TEST_SECRET = 'Vq3x9LkP2mZr8TnW5yHc7JdB4fGs6AeQ';
export const OTHER_SECRET = 'Hn4rT8wLq2ZxK9vPc5MjB7yGd3FsA6eU';

/** Real argon2id, with parameters cheap enough for a test suite. */
export const cheapHasher = () => createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

export function testConfig(env: Env = {}): AuthConfig {
  return parseConfig({ AUTH_SECRET: TEST_SECRET, ...env });
}

/** A temporary SQLite file, deleted by `cleanup`. */
export async function tempSqlite(): Promise<{ store: Store; path: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const path = join(dir, 'test.db');
  const store = await openSqliteStore(path);
  return {
    store,
    path,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestRig {
  gh: Gatehouse;
  /** The whole sessions service, token checks included, which the facade keeps to itself. */
  sessions: SessionService;
  /** The parts the Gatehouse was built from: private behind its facade, open to tests. */
  store: Store;
  clock: ReturnType<typeof manualClock>;
  keyring: Keyring;
  hasher: PasswordHasher;
  random: RandomBytes;
  cleanup: () => Promise<void>;
  addUser(username: string, opts?: { name?: string; admin?: boolean; password?: string }): Promise<User>;
}

export async function makeRig(
  env: Env = {},
  store?: Store,
  parts: { hasher?: PasswordHasher; counters?: CounterSource } = {},
): Promise<TestRig> {
  const clock = manualClock();
  const temp = store ? undefined : await tempSqlite();
  const config = testConfig(env);
  const hasher = parts.hasher ?? cheapHasher();
  const rigStore = store ?? temp!.store;
  const gh = await createGatehouse({ config, store: rigStore, clock, hasher, counters: parts.counters });
  return {
    gh,
    sessions: gh.sessions as SessionService,
    store: rigStore,
    clock,
    keyring: await keyringFor(config.secret, config.previousSecrets),
    hasher,
    random: cryptoRandom,
    cleanup: async () => temp?.cleanup(),
    async addUser(username, opts = {}) {
      return rigStore.createUser({
        id: randomId(cryptoRandom),
        username,
        displayName: opts.name ?? username,
        passwordHash: await hasher.hash(opts.password ?? 'password'),
        admin: opts.admin ?? false,
        now: clock(),
      });
    },
  };
}

/** What demo seeding needs, from a rig. */
export const demoParts = (rig: TestRig) => ({
  config: rig.gh.config,
  store: rig.store,
  hasher: rig.hasher,
  clock: rig.clock,
  random: rig.random,
});

export const META = { ip: '127.0.0.1', userAgent: 'vitest' } as const;
