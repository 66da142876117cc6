import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '../lib/edge/clock';
import { parseConfig, type AuthConfig, type Env } from '../lib/edge/config';
import { createGatehouse, type Gatehouse } from '../lib/auth/gatehouse';
import { createArgon2Hasher, type PasswordHasher } from '../lib/auth/passwords';
import { randomId } from '../lib/edge/random';
import type { Store, User } from '../lib/auth/store';
import type { CounterSource } from '../lib/auth/throttle';
import { openSqliteStore } from '../lib/store/sqlite/store';

/** Random-looking, as a real AUTH_SECRET must be (config refuses patterned secrets). */
export const TEST_SECRET = 'Vq3x9LkP2mZr8TnW5yHc7JdB4fGs6AeQ';
export const OTHER_SECRET = 'Hn4rT8wLq2ZxK9vPc5MjB7yGd3FsA6eU';

/** Real argon2id, with parameters cheap enough for a test suite. */
export const cheapHasher = () => createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

export function testConfig(env: Env = {}): AuthConfig {
  return parseConfig({ AUTH_SECRET: TEST_SECRET, ...env });
}

/** A temporary SQLite file, deleted by `cleanup`. */
export function tempSqlite(): { store: Store; path: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const path = join(dir, 'test.db');
  const store = openSqliteStore(path);
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
  clock: ReturnType<typeof manualClock>;
  cleanup: () => Promise<void>;
  addUser(username: string, opts?: { name?: string; admin?: boolean; password?: string }): Promise<User>;
}

export async function makeRig(
  env: Env = {},
  store?: Store,
  parts: { hasher?: PasswordHasher; counters?: CounterSource } = {},
): Promise<TestRig> {
  const clock = manualClock();
  const temp = store ? undefined : tempSqlite();
  const gh = await createGatehouse({
    config: testConfig(env),
    store: store ?? temp!.store,
    clock,
    hasher: parts.hasher ?? cheapHasher(),
    counters: parts.counters,
  });
  return {
    gh,
    clock,
    cleanup: async () => temp?.cleanup(),
    async addUser(username, opts = {}) {
      return gh.store.createUser({
        id: randomId(gh.random),
        username,
        displayName: opts.name ?? username,
        passwordHash: await gh.hasher.hash(opts.password ?? 'password'),
        admin: opts.admin ?? false,
        now: clock(),
      });
    },
  };
}

export const META = { ip: '127.0.0.1', userAgent: 'vitest' } as const;
