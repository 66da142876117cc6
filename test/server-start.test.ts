import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../lib/edge/random';
import { seedDemoUsers } from '../lib/server/demo';
import { openSqliteStore } from '../lib/store/sqlite';
import { cheapHasher, OTHER_SECRET, testConfig } from './helpers';

/**
 * `npm start` (server.ts) must fail closed: each bad start below exits non-zero, before it
 * listens, with a message that says what to do — and never echoes a credential.
 */
function start(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AUTH_|DATABASE_URL|REDIS_URL)/.test(k)),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'server.ts'],
      { env: { ...base, NODE_ENV: 'production' as const, PORT: '3399', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('server.ts refuses a bad start', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-start-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without AUTH_SECRET (and without AUTH_DEMO=1): exit 1, naming AUTH_SECRET and how to make one', async () => {
    const { code, out } = await start({ DATABASE_URL: `file:${join(dir, 'none.db')}` });
    expect(code).toBe(1);
    expect(out).toContain('AUTH_SECRET is not set');
    expect(out).toContain('openssl rand -base64 32');
    expect(out).not.toMatch(/ready on/);
  }, 60_000);

  it('with a guessable AUTH_SECRET: exit 1 with the reason', async () => {
    const { code, out } = await start({
      AUTH_SECRET: 'password'.repeat(5),
      DATABASE_URL: `file:${join(dir, 'weak.db')}`,
    });
    expect(code).toBe(1);
    expect(out).toMatch(/AUTH_SECRET is too easy to guess: it (repeats|uses only)/);
  }, 60_000);

  it('with a mistyped DATABASE_URL: exit 1, and the password in it is never printed', async () => {
    const { code, out } = await start({
      AUTH_SECRET: OTHER_SECRET,
      DATABASE_URL: 'mysql://gate:hunter2-pw@db.internal/app',
    });
    expect(code).toBe(1);
    expect(out).toContain('DATABASE_URL must be');
    expect(out).not.toContain('hunter2');
  }, 60_000);

  it('on a database the demo seeded, while jon and ada still accept "password": exit 1 naming them and the fix', async () => {
    const path = join(dir, 'demo.db');
    const store = await openSqliteStore(path);
    const config = testConfig({ AUTH_SECRET: '', AUTH_DEMO: '1', AUTH_DEMO_SECRET: OTHER_SECRET });
    const parts = { config, store, hasher: cheapHasher(), clock: Date.now, random: cryptoRandom };
    expect(await seedDemoUsers(parts)).toBe(true);
    await store.close();

    const { code, out } = await start({ AUTH_SECRET: OTHER_SECRET, DATABASE_URL: `file:${path}` });
    expect(code).toBe(1);
    expect(out).toContain(
      'Refusing to start: demo account(s) jon, ada still accept the published demo password',
    );
    expect(out).toContain('npm run users -- password jon');
    expect(out).not.toMatch(/ready on/);
  }, 60_000);
});
