import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../lib/store/sqlite';

/** The real `npm run users` script, as an operator runs it, against a throwaway database. */
function run(args: string[], stdin: string, env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/users.ts', ...args],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout, err: stderr }),
    );
    child.stdin!.end(stdin);
  });
}

describe('npm run users', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    env = { DATABASE_URL: `file:${join(dir, 'db.sqlite')}` };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds with the password from stdin, lists, bans, refuses bad input with exit 1', async () => {
    expect(await run(['add', 'carol', '--name', 'Carol Danvers', '--admin'], 'correct horse\n', env)).toMatchObject({
      code: 0,
      out: 'created carol (Carol Danvers), admin\n',
    });
    const list = await run(['list'], '', env);
    expect(list.out).toMatch(/^carol\s+Carol Danvers\s+admin\s+active$/m);
    expect((await run(['ban', 'carol'], '', env)).out).toBe('banned carol; 0 session(s) revoked\n');
    expect((await run(['list'], '', env)).out).toMatch(/banned$/m);
    const dup = await run(['add', 'CAROL'], 'correct horse\n', env);
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('already taken');
    const unknown = await run(['frobnicate'], '', env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('unknown command');
  }, 30_000);

  it('refuses weak passwords with a clear message and exit 1, and creates nothing', async () => {
    for (const [password, message] of [
      ['password', 'common passwords'],
      [' '.repeat(8), 'at least 8 characters'],
      ['dave-the-rave', 'must not be the username'],
    ]) {
      const res = await run(['add', 'dave-the-rave'], `${password}\n`, env);
      expect(res.code, password).toBe(1);
      expect(res.err).toContain(message);
    }
    expect((await run(['list'], '', env)).out).not.toContain('dave');
  }, 30_000);

  it('refuses unknown options, missing and extra arguments with the usage and exit 1; bare call exit 2', async () => {
    for (const [args, message] of [
      [['list', '--frob'], "Unknown option '--frob'"],
      [['add', 'x', '--name'], "Option '--name <value>' argument missing"],
      [['ban'], '"ban" needs a username'],
      [['delete', 'a', 'b'], 'unexpected argument "b" for "delete"'],
      [['list', '--admin'], '--name and --admin are options of "add" only'],
    ] as const) {
      const res = await run([...args], '', env);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.err).toContain(message);
      expect(res.err).toContain('Usage: npm run users');
    }
    expect(await run([], '', env)).toMatchObject({ code: 2, out: expect.stringContaining('purge') });
    expect(await run(['--help'], '', env)).toMatchObject({ code: 0, out: expect.stringContaining('Usage:') });
  }, 30_000);

  it('purges ended sessions and old audit events and says how many', async () => {
    const path = join(dir, 'purge.sqlite');
    const store = await openSqliteStore(path);
    const now = Date.now();
    const day = 86_400_000;
    await store.createUser({ id: 'u1', username: 'fay', displayName: 'Fay', passwordHash: 'h', admin: false, now });
    const session = (id: string, idleExpiresAt: number) =>
      store.createSession({ id, userId: 'u1', now, idleExpiresAt, absoluteExpiresAt: now + day, userAgent: null, ip: null });
    await session('old', now - 8 * day);
    await session('recent', now - day);
    await session('live', now + day);
    const event = (at: number) =>
      store.recordEvent({ at, type: 'login_ok', userId: 'u1', sessionId: null, ip: null, userAgent: null, detail: null });
    await event(now - 91 * day);
    await event(now - 89 * day);
    await store.close();

    const res = await run(['purge'], '', { DATABASE_URL: `file:${path}` });
    expect(res).toMatchObject({ code: 0, err: '' });
    expect(res.out).toMatch(/^deleted 1 session\(s\) that ended before \S+ and 1 audit event\(s\) from before \S+\n$/);
    const again = await run(['purge'], '', { DATABASE_URL: `file:${path}`, AUTH_SESSION_RETENTION_DAYS: '1' });
    expect(again.out).toMatch(/^deleted 1 session\(s\) .* and 0 audit event\(s\)/);
    const bad = await run(['purge'], '', { DATABASE_URL: `file:${path}`, AUTH_EVENT_RETENTION_DAYS: 'never' });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('AUTH_EVENT_RETENTION_DAYS');
  }, 30_000);

  it('creates its database directory 0700 and the database file 0600 (not world-readable)', async () => {
    const nested = join(dir, 'private', 'users.sqlite');
    const res = await run(['add', 'erin'], 'a perfectly fine passphrase\n', { DATABASE_URL: `file:${nested}` });
    expect(res.code).toBe(0);
    expect(statSync(join(dir, 'private')).mode & 0o777).toBe(0o700);
    for (const file of [nested, `${nested}-wal`, `${nested}-shm`]) {
      if (existsSync(file)) expect(statSync(file).mode & 0o777, file).toBe(0o600);
    }
    expect(statSync(nested).mode & 0o777).toBe(0o600);
  }, 30_000);
});
