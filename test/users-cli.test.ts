import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminConsole } from '../lib/auth/admin';
import { createGatehouse } from '../lib/auth/gatehouse';
import type { PasswordLinks } from '../lib/auth/password-links';
import { openLimiterBackend } from '../lib/store/limiters';
import { openSqliteStore } from '../lib/store/sqlite';
import { execute, parseCommandLine } from '../scripts/users-command';
import { cheapHasher, makeRig, META, TEST_SECRET, testConfig } from './helpers';

/** The real `npm run users` script, as an operator runs it, against a throwaway database. */
function run(
  args: string[],
  stdin: string,
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/users.ts', ...args],
      // Without the server's secret, as an operator's shell usually is (unless a test gives one).
      { env: { ...process.env, AUTH_SECRET: '', ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout, err: stderr }),
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
    expect(
      await run(['add', 'carol', '--name', 'Carol Danvers', '--admin'], 'correct horse\n', env),
    ).toMatchObject({
      code: 0,
      out: 'created carol (Carol Danvers), admin\n',
    });
    expect(await run(['add', 'bob'], 'correct horse\n', env)).toMatchObject({
      code: 0,
      out: 'created bob (bob)\n',
    });
    const list = await run(['list'], '', env);
    expect(list.out).toMatch(/^carol\s+Carol Danvers\s+admin\s+active$/m);
    expect((await run(['ban', 'bob'], '', env)).out).toBe('banned bob; 0 session(s) revoked\n');
    expect((await run(['list'], '', env)).out).toMatch(/^bob\s+bob\s+banned$/m);
    const dup = await run(['add', 'CAROL'], 'correct horse\n', env);
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('already taken');
    const unknown = await run(['frobnicate'], '', env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('unknown command');
    const ghost = await run(['ban', 'ghost'], '', env);
    expect(ghost).toMatchObject({ code: 1, err: 'error: no user named "ghost"\n' });
  }, 30_000);

  it("follows the console's rules: the last active admin is never banned, deleted or demoted", async () => {
    const path = join(dir, 'last-admin.sqlite');
    const at = { DATABASE_URL: `file:${path}` };
    expect((await run(['add', 'solo', '--admin'], 'correct horse\n', at)).code).toBe(0);
    for (const command of ['ban', 'delete', 'unset-admin']) {
      const res = await run([command, 'solo'], '', at);
      expect(res.code, command).toBe(1);
      expect(res.err, command).toContain('the last active admin cannot be banned, deleted or demoted');
    }
    expect((await run(['list'], '', at)).out).toMatch(/^solo\s+solo\s+admin\s+active$/m);
    expect((await run(['add', 'backup'], 'correct horse\n', at)).code).toBe(0);
    expect((await run(['set-admin', 'backup'], '', at)).out).toBe('backup is now an admin\n');
    expect((await run(['unset-admin', 'solo'], '', at)).out).toBe('solo is no longer an admin\n');

    // Audited as the command: no acting admin, the command's user agent.
    const store = await openSqliteStore(path);
    try {
      const events = await store.listEvents({ limit: 10 });
      expect(events.map((e) => [e.type, e.actorId, e.userAgent])).toEqual([
        ['admin_revoked', null, 'users command'],
        ['admin_granted', null, 'users command'],
        ['user_created', null, 'users command'],
        ['user_created', null, 'users command'],
      ]);
    } finally {
      await store.close();
    }
  }, 30_000);

  it('revoke ends every session of the account', async () => {
    const path = join(dir, 'revoke.sqlite');
    const store = await openSqliteStore(path);
    const now = Date.now();
    await store.createUser({
      id: 'u1',
      username: 'gus',
      displayName: 'Gus',
      passwordHash: 'h',
      admin: false,
      now,
    });
    for (const id of ['s1', 's2']) {
      await store.createSession({
        id,
        userId: 'u1',
        now,
        idleExpiresAt: now + 60_000,
        absoluteExpiresAt: now + 60_000,
        userAgent: null,
        ip: null,
      });
    }
    await store.close();
    expect(await run(['revoke', 'gus'], '', { DATABASE_URL: `file:${path}` })).toMatchObject({
      code: 0,
      out: 'ended 2 session(s) of gus\n',
    });
    const after = await openSqliteStore(path);
    try {
      expect(await after.listSessions('u1')).toEqual([]);
      expect((await after.findSession('s1'))!.revokedReason).toBe('admin');
    } finally {
      await after.close();
    }
  }, 30_000);

  it('clear-2fa removes the authenticator app and recovery codes, not passkeys; delete removes them all', async () => {
    const path = join(dir, 'clear-2fa.sqlite');
    const store = await openSqliteStore(path);
    const now = Date.now();
    for (const [id, username] of [
      ['u1', 'kim'],
      ['u2', 'lou'],
    ] as const) {
      await store.createUser({ id, username, displayName: username, passwordHash: 'h', admin: false, now });
      await store.beginTotp(id, 'sealed', now);
      await store.enableTotp(id, 'sealed', 1, ['r1', 'r2'], now);
      await store.createPasskey({
        id: `cred-${id}`,
        userId: id,
        publicKey: 'pk',
        counter: 0,
        transports: [],
        deviceType: 'multiDevice',
        backedUp: true,
        aaguid: null,
        name: 'Phone',
        createdAt: now,
      });
    }
    await store.close();
    const at = { DATABASE_URL: `file:${path}` };
    expect(await run(['clear-2fa', 'KIM'], '', at)).toMatchObject({
      code: 0,
      out: 'cleared the authenticator app and recovery codes of KIM: the password alone signs in\n',
    });
    expect(await run(['clear-2fa', 'kim'], '', at)).toMatchObject({
      code: 0,
      out: 'kim has no authenticator app: nothing to clear\n',
    });
    expect(await run(['clear-2fa', 'ghost'], '', at)).toMatchObject({
      code: 1,
      err: 'error: no user named "ghost"\n',
    });
    expect((await run(['delete', 'lou'], '', at)).code).toBe(0);
    const after = await openSqliteStore(path);
    try {
      expect(await after.findTotp('u1')).toBeNull();
      expect(await after.countRecoveryCodes('u1')).toBe(0);
      expect(await after.listPasskeys('u1')).toHaveLength(1);
      expect(await after.findTotp('u2')).toBeNull();
      expect(await after.countRecoveryCodes('u2')).toBe(0);
      expect(await after.listPasskeys('u2')).toEqual([]);
      const events = await after.listEvents({ type: 'mfa_cleared' });
      expect(events.map((e) => [e.userId, e.actorId, e.userAgent, e.detail])).toEqual([
        ['u1', null, 'users command', 'authenticator app and recovery codes cleared by the users command'],
      ]);
    } finally {
      await after.close();
    }
  }, 30_000);

  it('unlock needs AUTH_SECRET, and with it lets a blocked account sign in again', async () => {
    const path = join(dir, 'unlock.sqlite');
    const at = { DATABASE_URL: `file:${path}` };
    expect((await run(['add', 'hal'], 'correct horse\n', at)).code).toBe(0);
    const refused = await run(['unlock', 'hal'], '', at);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('"unlock" needs AUTH_SECRET');

    // The server's view: its counters in the same database, keyed by its secret.
    const signIn = async (password: string) => {
      const store = await openSqliteStore(path);
      const counters = await openLimiterBackend({ kind: 'sqlite', path });
      try {
        const gh = await createGatehouse({
          config: testConfig({ DATABASE_URL: at.DATABASE_URL }),
          store,
          counters,
          hasher: cheapHasher(),
        });
        return await gh.sessions.login('hal', password, META).then(
          () => 'ok',
          (error: { code: string }) => error.code,
        );
      } finally {
        await counters.close();
        await store.close();
      }
    };
    let code = '';
    for (let i = 0; i < 12 && code !== 'too_many_attempts'; i++) code = await signIn(`wrong ${i}`);
    expect(code).toBe('too_many_attempts');
    expect(await signIn('correct horse')).toBe('too_many_attempts');

    const res = await run(['unlock', 'hal'], '', { ...at, AUTH_SECRET: TEST_SECRET });
    expect(res).toMatchObject({
      code: 0,
      out: 'unlocked hal: failed sign-ins forgotten (from 1 address(es))\n',
    });
    expect(await signIn('correct horse')).toBe('ok');
  }, 60_000);

  it('reset-link and add --invite print a one-time link on the last line, made by the command', async () => {
    const rig = await makeRig();
    try {
      const calls: unknown[] = [];
      const links: Pick<PasswordLinks, 'create'> = {
        async create(userId: string, options: { purpose: string; createdBy: string | null }) {
          calls.push({ userId, ...options });
          return {
            url: `http://localhost:3000/reset-password?token=${'t'.repeat(43)}`,
            expiresAt: rig.clock() + 1_800_000,
          };
        },
      };
      const missing = () => Promise.reject(new Error('not used'));
      const admin = createAdminConsole(
        { ...rig, throttle: { unlock: missing }, sessions: { confirm: missing } },
        links,
      );
      const lines: string[] = [];
      const ctx = {
        admin,
        store: rig.store,
        config: rig.gh.config,
        now: rig.clock,
        print: (line: string) => void lines.push(line),
        readPassword: () => Promise.reject(new Error('no password is asked for')),
      };
      expect(await execute(parseCommandLine(['add', 'ivy', '--name', 'Ivy', '--invite']), ctx)).toBe(0);
      const ivy = (await rig.store.findUserByUsername('ivy'))!;
      expect(lines).toEqual([
        'created ivy (Ivy)',
        `invitation link for ivy, usable once until ${new Date(rig.clock() + 1_800_000).toISOString()} (30 minutes):`,
        `http://localhost:3000/reset-password?token=${'t'.repeat(43)}`,
      ]);
      lines.length = 0;
      expect(await execute(parseCommandLine(['reset-link', 'IVY']), ctx)).toBe(0);
      expect(lines.at(-1)).toBe(`http://localhost:3000/reset-password?token=${'t'.repeat(43)}`);
      expect(lines[0]).toMatch(/^password link for IVY, usable once until \S+ \(30 minutes\):$/);
      expect(calls).toEqual([
        { userId: ivy.id, purpose: 'invite', createdBy: null },
        { userId: ivy.id, purpose: 'reset', createdBy: null },
      ]);
      await expect(execute(parseCommandLine(['reset-link', 'ghost']), ctx)).rejects.toMatchObject({
        code: 'unknown_user',
      });
      expect(calls).toHaveLength(2);
    } finally {
      await rig.cleanup();
    }
  });

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
      [['list', '--admin'], '--name, --admin and --invite are options of "add" only'],
      [['ban', 'x', '--invite'], '--name, --admin and --invite are options of "add" only'],
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
    await store.createUser({
      id: 'u1',
      username: 'fay',
      displayName: 'Fay',
      passwordHash: 'h',
      admin: false,
      now,
    });
    const session = (id: string, idleExpiresAt: number) =>
      store.createSession({
        id,
        userId: 'u1',
        now,
        idleExpiresAt,
        absoluteExpiresAt: now + day,
        userAgent: null,
        ip: null,
      });
    await session('old', now - 8 * day);
    await session('recent', now - day);
    await session('live', now + day);
    const event = (at: number) =>
      store.recordEvent({
        at,
        type: 'login_ok',
        userId: 'u1',
        sessionId: null,
        ip: null,
        userAgent: null,
        detail: null,
      });
    await event(now - 91 * day);
    await event(now - 89 * day);
    await store.close();

    const res = await run(['purge'], '', { DATABASE_URL: `file:${path}` });
    expect(res).toMatchObject({ code: 0, err: '' });
    expect(res.out).toMatch(
      /^deleted 1 session\(s\) that ended before \S+ and 1 audit event\(s\) from before \S+\n$/,
    );
    const again = await run(['purge'], '', {
      DATABASE_URL: `file:${path}`,
      AUTH_SESSION_RETENTION_DAYS: '1',
    });
    expect(again.out).toMatch(/^deleted 1 session\(s\) .* and 0 audit event\(s\)/);
    const bad = await run(['purge'], '', {
      DATABASE_URL: `file:${path}`,
      AUTH_EVENT_RETENTION_DAYS: 'never',
    });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('AUTH_EVENT_RETENTION_DAYS');
  }, 30_000);

  it('creates its database directory 0700 and the database file 0600 (not world-readable)', async () => {
    const nested = join(dir, 'private', 'users.sqlite');
    const res = await run(['add', 'erin'], 'a perfectly fine passphrase\n', {
      DATABASE_URL: `file:${nested}`,
    });
    expect(res.code).toBe(0);
    expect(statSync(join(dir, 'private')).mode & 0o777).toBe(0o700);
    for (const file of [nested, `${nested}-wal`, `${nested}-shm`]) {
      if (existsSync(file)) expect(statSync(file).mode & 0o777, file).toBe(0o600);
    }
    expect(statSync(nested).mode & 0o777).toBe(0o600);
  }, 30_000);
});
