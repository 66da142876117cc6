import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, META, type TestRig } from '../../test/helpers';
import { InvalidGrantError } from '../edge/errors';
import { createAdminConsole, USERS_COMMAND, type Actor, type AdminConsole, type AdminDeps } from './admin';
import { processCounters, type SignedIn } from './gatehouse';
import type { PasswordLinks } from './password-links';
import { createSessionService, type RequestMeta, type SessionService, type TokenPair } from './sessions';
import type { User } from './store';
import { createThrottle } from './throttle';

/**
 * The admin console's rules, for both actors: a signed-in admin (confirmed in the database on
 * every call) and the users command. Built from the rig's parts with a throttle and a sessions
 * service of its own, so a test can fail sign-ins and then unlock them through the same
 * counters; password links are a fake that records what it was asked.
 */
describe('the admin console', () => {
  let rig: TestRig;
  let sessions: SessionService;
  let admin: AdminConsole;
  let linkCalls: { userId: string; purpose: string; createdBy: string | null }[];
  let jon: User;
  let root: User;
  let ada: User;
  const PASSWORD = 'correct horse battery';

  async function build(confirm?: SessionService['confirm']) {
    const config = rig.gh.config;
    const throttle = createThrottle({
      counters: processCounters(),
      keys: rig.keyring.macs,
      config: config.throttle,
      cookieSecure: false,
      clock: rig.clock,
      random: rig.random,
      onError: () => undefined,
    });
    sessions = createSessionService({ ...rig, config, throttle });
    const links: Pick<PasswordLinks, 'create'> = {
      async create(userId, { purpose, createdBy }) {
        linkCalls.push({ userId, purpose, createdBy });
        return {
          url: `http://localhost:3000/reset-password?token=t${linkCalls.length}`,
          expiresAt: rig.clock() + 1_800_000,
        };
      },
    };
    const deps: AdminDeps = {
      store: rig.store,
      hasher: rig.hasher,
      clock: rig.clock,
      random: rig.random,
      throttle,
      sessions: confirm ? { confirm } : sessions,
    };
    admin = createAdminConsole(deps, links);
  }

  beforeEach(async () => {
    rig = await makeRig();
    linkCalls = [];
    // Users are listed oldest first: one millisecond apart, in this order.
    jon = await rig.addUser('jon', { admin: true, password: PASSWORD });
    rig.clock.advance(1);
    root = await rig.addUser('root', { admin: true, password: PASSWORD });
    rig.clock.advance(1);
    ada = await rig.addUser('ada', { name: 'Ada Lovelace', password: PASSWORD });
    rig.clock.advance(1);
    await build();
  });
  afterEach(() => rig.cleanup());

  const login = (username: string, password = PASSWORD, meta: RequestMeta = META) =>
    sessions.login(username, password, meta);
  async function signedIn(pair: TokenPair): Promise<SignedIn> {
    const claims = await sessions.verifyAccess(pair.accessToken);
    return {
      user: { id: claims.sub, name: claims.name, admin: claims.admin },
      session: {
        id: claims.sid,
        tokenId: claims.jti,
        issuedAt: claims.iat * 1000,
        expiresAt: claims.exp * 1000,
        amr: claims.amr,
      },
    };
  }
  const as = async (username: string) => signedIn(await login(username));
  const user = async (id: string) => (await rig.store.findUserById(id))!;
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: { code?: string }) => error.code ?? String(error),
    );

  describe('self-protection', () => {
    it('refuses an admin banning, deleting or demoting their own account, and changes nothing', async () => {
      const me = await as('jon');
      expect(await codeOf(admin.ban(me, jon.id))).toBe('self_action');
      expect(await codeOf(admin.deleteUser(me, jon.id))).toBe('self_action');
      expect(await codeOf(admin.setAdmin(me, jon.id, false))).toBe('self_action');
      expect(await user(jon.id)).toMatchObject({
        status: 'active',
        admin: true,
        deletedAt: null,
        revokedBefore: null,
      });
      // Still signed in and still an admin.
      await expect(admin.searchUsers(me)).resolves.toMatchObject({ total: 3 });
      // Another admin may do what they may not.
      const other = await as('root');
      await admin.setAdmin(other, jon.id, false);
      expect((await user(jon.id)).admin).toBe(false);
    });
  });

  describe('the last active admin', () => {
    beforeEach(async () => {
      await rig.store.updateUser(root.id, { admin: false }, rig.clock());
    });

    it('the users command cannot ban, delete or demote the last active admin', async () => {
      const pair = await login('jon');
      expect(await codeOf(admin.ban(USERS_COMMAND, jon.id))).toBe('last_admin');
      expect(await codeOf(admin.deleteUser(USERS_COMMAND, jon.id))).toBe('last_admin');
      expect(await codeOf(admin.setAdmin(USERS_COMMAND, jon.id, false))).toBe('last_admin');
      expect(await user(jon.id)).toMatchObject({
        status: 'active',
        admin: true,
        deletedAt: null,
        revokedBefore: null,
      });
      // Nothing was half done: the session lives on.
      await expect(sessions.refresh(pair.refreshToken, META)).resolves.toBeTruthy();
      // A banned admin does not count as one: with root banned, jon is still the last.
      await admin.setAdmin(USERS_COMMAND, root.id, true);
      await admin.ban(USERS_COMMAND, root.id);
      expect(await codeOf(admin.setAdmin(USERS_COMMAND, jon.id, false))).toBe('last_admin');
    });

    it('two admins demoting, banning or deleting each other at the same moment: exactly one succeeds', async () => {
      const rounds = [
        (a: Actor, id: string) => admin.setAdmin(a, id, false),
        (a: Actor, id: string) => admin.ban(a, id),
        (a: Actor, id: string) => admin.deleteUser(a, id),
      ];
      for (const [round, act] of rounds.entries()) {
        // Exactly two active admins, x and y.
        for (const u of await rig.store.listUsers())
          await rig.store.updateUser(u.id, { admin: false }, rig.clock());
        const x = await rig.addUser(`x${round}`, { admin: true, password: PASSWORD });
        const y = await rig.addUser(`y${round}`, { admin: true, password: PASSWORD });
        const [asX, asY] = [await as(x.username), await as(y.username)];
        // Both are confirmed as admins before either writes: the store's rule alone decides.
        let arrived = 0;
        let release!: () => void;
        const barrier = new Promise<void>((resolve) => (release = resolve));
        await build(async (sid, uid) => {
          const confirmed = await sessions.confirm(sid, uid);
          if (++arrived === 2) release();
          await barrier;
          return confirmed;
        });
        const codes = await Promise.all([codeOf(act(asX, y.id)), codeOf(act(asY, x.id))]);
        expect(codes.sort(), `round ${round}`).toEqual(['last_admin', 'ok']);
        const admins = (await rig.store.listUsers()).filter((u) => u.admin && u.status === 'active');
        expect(admins, `round ${round}`).toHaveLength(1);
        await build();
      }
    });
  });

  describe('the acting admin is confirmed in the database at that moment', () => {
    it('refuses a user who is not an admin, with 403', async () => {
      const me = await as('ada');
      for (const call of [
        () => admin.searchUsers(me),
        () => admin.userDetail(me, ada.id),
        () => admin.ban(me, root.id),
        () => admin.setAdmin(me, ada.id, true),
        () => admin.auditTrail(me),
        () => admin.createUser(me, { username: 'mallory', admin: true }),
      ]) {
        expect(await codeOf(call())).toBe('forbidden');
      }
      // A forged claim of admin rights does not help: the database has the last word.
      const forged: SignedIn = { ...me, user: { ...me.user, admin: true } };
      expect(await codeOf(admin.setAdmin(forged, ada.id, true))).toBe('forbidden');
      expect((await user(ada.id)).admin).toBe(false);
    });

    it('refuses an admin whose rights were taken away a moment ago, though their token still says admin', async () => {
      const me = await as('jon');
      expect(me.user.admin).toBe(true);
      await admin.setAdmin(USERS_COMMAND, jon.id, false);
      expect(await codeOf(admin.ban(me, ada.id))).toBe('forbidden');
      expect((await user(ada.id)).status).toBe('active');
    });

    it('refuses a session that has ended, or an account banned meanwhile, as an invalid token', async () => {
      const pair = await login('jon');
      const me = await signedIn(pair);
      await sessions.logout({ refreshToken: pair.refreshToken }, META);
      expect(await codeOf(admin.ban(me, ada.id))).toBe('invalid_token');

      const other = await as('root');
      await admin.ban(USERS_COMMAND, root.id);
      expect(await codeOf(admin.searchUsers(other))).toBe('invalid_token');
      expect((await user(ada.id)).status).toBe('active');
    });
  });

  describe('sessions', () => {
    it("revoking another user's session by its id is not found, and ends nothing", async () => {
      const me = await as('jon');
      const adas = await login('ada');
      const roots = await login('root');
      expect(await codeOf(admin.revokeSession(me, ada.id, roots.sessionId))).toBe('not_found');
      expect(await codeOf(admin.revokeSession(me, ada.id, 'no-such-session'))).toBe('not_found');
      expect(await codeOf(admin.revokeSession(me, ada.id, '../../etc'))).toBe('not_found');
      await expect(sessions.refresh(roots.refreshToken, META)).resolves.toBeTruthy();

      await admin.revokeSession(me, ada.id, adas.sessionId);
      await expect(sessions.refresh(adas.refreshToken, META)).rejects.toBeInstanceOf(InvalidGrantError);
      // Already ended: nothing left to end.
      expect(await codeOf(admin.revokeSession(me, ada.id, adas.sessionId))).toBe('not_found');
    });

    it("lists a user's live sessions with browser, address and last activity; revokes all of them", async () => {
      const me = await as('jon');
      const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
      await login('ada', PASSWORD, { ip: '203.0.113.7', userAgent: firefox });
      const second = await login('ada');
      rig.clock.advance(60_000);
      await sessions.refresh(second.refreshToken, META);
      const detail = await admin.userDetail(me, ada.id);
      expect(detail.user).toMatchObject({
        username: 'ada',
        name: 'Ada Lovelace',
        admin: false,
        status: 'active',
      });
      expect(detail.self).toBe(false);
      expect(detail.sessions).toHaveLength(2);
      expect(detail.sessions.find((s) => s.ip === '203.0.113.7')).toMatchObject({
        browser: 'Firefox 128 on Linux',
      });
      expect(detail.sessions.find((s) => s.id === second.sessionId)!.lastActiveAt).toBe(rig.clock());
      expect(detail.events.map((e) => e.type)).toContain('login_ok');

      expect(await admin.revokeSessions(me, ada.id)).toEqual({ revoked: 2 });
      expect((await admin.userDetail(me, ada.id)).sessions).toEqual([]);
      // The acting admin's own session is marked on their own page.
      const mine = await admin.userDetail(me, jon.id);
      expect(mine.self).toBe(true);
      expect(mine.sessions.filter((s) => s.current).map((s) => s.id)).toEqual([me.session.id]);
    });

    it('unknown, deleted and malformed user ids are unknown users', async () => {
      const me = await as('jon');
      await admin.deleteUser(me, ada.id);
      for (const id of [ada.id, 'nobody', '', 'x'.repeat(500), "' OR 1=1 --"]) {
        expect(await codeOf(admin.userDetail(me, id)), id).toBe('unknown_user');
        expect(await codeOf(admin.ban(me, id)), id).toBe('unknown_user');
      }
    });
  });

  describe('ban and delete', () => {
    it('ban: banned, tokens before now refused (revokedBefore), every session ended; unban lets them in again', async () => {
      const me = await as('jon');
      const a = await login('ada');
      const b = await login('ada');
      rig.clock.advance(1000);
      expect(await admin.ban(me, ada.id)).toEqual({ revoked: 2 });
      expect(await user(ada.id)).toMatchObject({ status: 'banned', revokedBefore: rig.clock() });
      for (const pair of [a, b]) {
        expect((await rig.store.findSession(pair.sessionId))!.revokedReason).toBe('user_banned');
        await expect(sessions.refresh(pair.refreshToken, META)).rejects.toBeInstanceOf(InvalidGrantError);
      }
      expect(await codeOf(login('ada'))).toBe('invalid_credentials');
      await admin.unban(me, ada.id);
      await expect(login('ada')).resolves.toBeTruthy();
    });

    it("delete: soft-deleted, sessions ended, the account's addresses and user agents erased, the name free", async () => {
      const me = await as('jon');
      const pair = await login('ada', PASSWORD, { ip: '198.51.100.9', userAgent: 'Ada’s phone' });
      await login('ada', 'wrong password', { ip: '198.51.100.9', userAgent: 'Ada’s phone' }).catch(
        () => undefined,
      );
      expect(await admin.deleteUser(me, ada.id)).toEqual({ revoked: 1 });
      const gone = await user(ada.id);
      expect(gone.deletedAt).toBe(rig.clock());
      expect(gone.revokedBefore).toBe(rig.clock());
      expect(await rig.store.findSession(pair.sessionId)).toMatchObject({
        revokedReason: 'user_deleted',
        ip: null,
        userAgent: null,
      });
      const events = await rig.store.listEvents({ userId: ada.id });
      expect(
        events.filter((e) => e.type !== 'user_deleted').every((e) => e.ip === null && e.userAgent === null),
      ).toBe(true);
      await expect(sessions.refresh(pair.refreshToken, META)).rejects.toBeInstanceOf(InvalidGrantError);
      expect(await codeOf(login('ada'))).toBe('invalid_credentials');
      await expect(admin.createUser(me, { username: 'ada', admin: false })).resolves.toMatchObject({
        username: 'ada',
      });
    });

    it('taking admin rights away keeps the sessions (every admin surface asks the database)', async () => {
      const me = await as('jon');
      const roots = await login('root');
      await admin.setAdmin(me, root.id, false);
      const next = await sessions.refresh(roots.refreshToken, META);
      expect((await sessions.verifyAccess(next.accessToken)).admin).toBe(false);
      await admin.setAdmin(me, root.id, true);
    });
  });

  describe('unlock', () => {
    it('lets an account blocked by failed sign-ins sign in again', async () => {
      const me = await as('jon');
      const elsewhere = { ip: '192.0.2.44', userAgent: 'guesser' };
      let code = '';
      for (let i = 0; i < 20 && code !== 'too_many_attempts'; i++) {
        code = await codeOf(login('ada', `wrong guess ${i}`, elsewhere));
      }
      expect(code).toBe('too_many_attempts');
      // Blocked: even the right password is refused from there now.
      expect(await codeOf(login('ada', PASSWORD, elsewhere))).toBe('too_many_attempts');

      expect(await admin.unlock(me, ada.id)).toEqual({ addresses: 1 });
      await expect(login('ada', PASSWORD, elsewhere)).resolves.toBeTruthy();
      const [event] = await rig.store.listEvents({ userId: ada.id, type: 'unlocked' });
      expect(event).toMatchObject({ actorId: jon.id });
    });
  });

  describe('creating users and password links', () => {
    it('creates a user no password opens, and an invitation link for them, made by the acting admin', async () => {
      const me = await as('jon');
      const created = await admin.createUser(me, { username: 'grace', name: 'Grace Hopper', admin: false });
      expect(created).toMatchObject({
        username: 'grace',
        name: 'Grace Hopper',
        admin: false,
        status: 'active',
      });
      for (const guess of ['', 'password', 'grace', PASSWORD]) {
        expect(await codeOf(login('grace', guess || 'x'))).toBe('invalid_credentials');
      }
      const link = await admin.createPasswordLink(me, created.id, 'invite');
      expect(link.url).toMatch(/^http:\/\/localhost:3000\/reset-password\?token=/);
      expect(linkCalls).toEqual([{ userId: created.id, purpose: 'invite', createdBy: jon.id }]);
      await admin.createPasswordLink(USERS_COMMAND, created.id, 'reset');
      expect(linkCalls[1]).toEqual({ userId: created.id, purpose: 'reset', createdBy: null });
      expect(await codeOf(admin.createPasswordLink(me, 'nobody', 'reset'))).toBe('unknown_user');
      expect(await codeOf(admin.createPasswordLink(me, created.id, 'root' as never))).toBe('invalid_request');
      expect(linkCalls).toHaveLength(2);
    });

    it('validates new users as the users command always has', async () => {
      const me = await as('jon');
      for (const [input, code] of [
        [{ username: '', admin: false }, 'invalid_username'],
        [{ username: 'a b', admin: false }, 'invalid_username'],
        [{ username: 'x'.repeat(65), admin: false }, 'invalid_username'],
        [{ username: 'bob', name: ' ', admin: false }, 'invalid_name'],
        [{ username: 'bob', name: 'B'.repeat(101), admin: false }, 'invalid_name'],
        [{ username: 'bob', name: 'Bob\u0007', admin: false }, 'invalid_name'],
        [{ username: 'bob', admin: false, password: 'short' }, 'weak_password'],
        [{ username: 'ADA', admin: false }, 'username_taken'],
      ] as const) {
        expect(await codeOf(admin.createUser(me, input)), JSON.stringify(input)).toBe(code);
      }
      expect((await rig.store.listUsers()).map((u) => u.username)).toEqual(['jon', 'root', 'ada']);
      // No name: the username.
      expect(await admin.createUser(me, { username: 'bob', admin: true })).toMatchObject({
        name: 'bob',
        admin: true,
      });
    });
  });

  describe('the audit trail', () => {
    it("records every admin action with the acting admin's id, and the command's with none", async () => {
      const me = await as('jon');
      const pair = await login('ada');
      const created = await admin.createUser(me, { username: 'grace', admin: false });
      await admin.revokeSession(me, ada.id, pair.sessionId);
      await admin.revokeSessions(me, ada.id);
      await admin.ban(me, ada.id);
      await admin.unban(me, ada.id);
      await admin.setAdmin(me, ada.id, true);
      await admin.setAdmin(me, ada.id, false);
      await admin.unlock(me, ada.id);
      await admin.setPassword(me, ada.id, 'a whole new passphrase');
      await admin.deleteUser(me, created.id);
      const mine = (await rig.store.listEvents({ limit: 100 })).filter((e) => e.actorId === jon.id);
      expect(mine.map((e) => e.type).reverse()).toEqual([
        'user_created',
        'revoke',
        'revoke',
        'ban',
        'unban',
        'admin_granted',
        'admin_revoked',
        'unlocked',
        'password_reset',
        'user_deleted',
      ]);

      await admin.ban(USERS_COMMAND, ada.id);
      const [byCommand] = await rig.store.listEvents({ userId: ada.id, limit: 1 });
      expect(byCommand).toMatchObject({ type: 'ban', actorId: null, userAgent: 'users command' });
    });

    it('filters by user and type, pages, and names the admin who acted', async () => {
      const me = await as('jon');
      await admin.ban(me, ada.id);
      await admin.unban(me, ada.id);
      await admin.ban(USERS_COMMAND, ada.id);

      const bans = await admin.auditTrail(me, { username: 'ADA', type: 'ban' });
      expect(bans.events.map((e) => [e.type, e.user?.username, e.actor])).toEqual([
        ['ban', 'ada', { kind: 'users-command' }],
        ['ban', 'ada', { kind: 'admin', user: { id: jon.id, username: 'jon', deleted: false } }],
      ]);
      expect(bans).toMatchObject({
        page: 1,
        hasNext: false,
        filter: { username: 'ADA', userId: ada.id, type: 'ban' },
      });

      const first = await admin.auditTrail(me, { userId: ada.id, pageSize: 2 });
      const second = await admin.auditTrail(me, { userId: ada.id, pageSize: 2, page: 2 });
      expect(first.hasNext).toBe(true);
      expect(second.events.map((e) => e.type)).toEqual(['ban']);
      expect(first.events.map((e) => e.type)).toEqual(['ban', 'unban']);
      expect(second.hasNext).toBe(false);

      // A user whose own request claims to be the users command does not become it.
      await login('ada', 'nope', { ip: META.ip, userAgent: 'users command' }).catch(() => undefined);
      const [failed] = (await admin.auditTrail(me, { type: 'login_failed' })).events;
      expect(failed!.actor).toBeNull();

      for (const filter of [
        { type: 'drop_tables' },
        { pageSize: 101 },
        { pageSize: 0 },
        { page: 0 },
        { page: 1.5 },
        { page: 10_001 },
      ]) {
        expect(await codeOf(admin.auditTrail(me, filter)), JSON.stringify(filter)).toBe('invalid_request');
      }
      expect(await codeOf(admin.auditTrail(me, { username: 'nobody' }))).toBe('unknown_user');
    });
  });

  describe('search', () => {
    it('finds users by name or username, paged and bounded', async () => {
      const me = await as('jon');
      for (let i = 0; i < 5; i++) await rig.addUser(`user${i}`, { name: `Test Person ${i}` });
      const all = await admin.searchUsers(me, { pageSize: 3 });
      expect(all).toMatchObject({ total: 8, page: 1, pageSize: 3 });
      expect(all.users.map((u) => u.username)).toEqual(['jon', 'root', 'ada']);
      const page2 = await admin.searchUsers(me, { query: 'person', pageSize: 3, page: 2 });
      expect(page2.total).toBe(5);
      expect(page2.users.map((u) => u.username)).toEqual(['user3', 'user4']);
      expect((await admin.searchUsers(me, { query: 'LOVELACE' })).users.map((u) => u.username)).toEqual([
        'ada',
      ]);
      expect((await admin.searchUsers(me, { query: '%' })).total).toBe(0);
      expect(await codeOf(admin.searchUsers(me, { query: 'x'.repeat(101) }))).toBe('invalid_request');
      expect(await codeOf(admin.searchUsers(me, { pageSize: 1000 }))).toBe('invalid_request');
      expect(await codeOf(admin.findUser(USERS_COMMAND, 'ghost'))).toBe('unknown_user');
      await expect(admin.findUser(USERS_COMMAND, 'ADA')).resolves.toMatchObject({ id: ada.id });
    });
  });
});
