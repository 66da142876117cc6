import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, META, type TestRig } from '../../test/helpers';
import {
  InvalidCredentialsError,
  InvalidTokenError,
  NotFoundError,
  TooManyAttemptsError,
  WeakPasswordError,
} from '../edge/errors';
import type { SignedIn } from './gatehouse';
import type { TokenPair } from './sessions';

const SEC = 1000;
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const NEW_PASSWORD = 'a brand new passphrase';

/** What rejects, for asserting on its class and fields. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('account', () => {
  let rig: TestRig;
  beforeEach(async () => {
    rig = await makeRig({ AUTH_ACCESS_TTL: '900', AUTH_REFRESH_TTL: '3600', AUTH_SESSION_MAX_AGE: '86400' });
    await rig.addUser('jon', { name: 'Jon Doe' });
    await rig.addUser('ada', { name: 'Ada Lovelace' });
  });
  afterEach(() => rig.cleanup());

  /** A browser: its own cookie jar (for the device cookie) and user agent. */
  function browser(userAgent: string | null = CHROME_MAC, ip = '198.51.100.7') {
    const jar: Record<string, string> = {};
    const meta = { ip, userAgent };
    const readCookie = (name: string) => jar[name];
    return {
      meta,
      readCookie,
      jar,
      async signIn(username = 'jon', password = 'password'): Promise<SignedIn & { pair: TokenPair }> {
        const pair = await rig.gh.sessions.login(username, password, meta, { readCookie });
        if (pair.device) jar[pair.device.name] = pair.device.value;
        const who = await rig.gh.authenticate(new Headers({ authorization: `Bearer ${pair.accessToken}` }));
        return { ...who!, pair };
      },
    };
  }

  const account = () => rig.gh.account;
  const row = (id: string) => rig.store.findSession(id);

  describe('profile', () => {
    it('gives the name and username as the database has them', async () => {
      const jon = await browser().signIn('JON');
      expect(await account().profile(jon)).toEqual({ username: 'jon', name: 'Jon Doe' });
    });
  });

  describe('list', () => {
    it("lists the user's live sessions, newest first, marking the caller's, with the device parsed", async () => {
      const first = await browser(FIREFOX_WIN, '203.0.113.9').signIn();
      rig.clock.advance(10 * SEC);
      const second = await browser().signIn();
      await browser().signIn('ada');
      rig.clock.advance(5 * SEC);
      await rig.gh.sessions.refresh(first.pair.refreshToken, META);

      const sessions = await account().list(second);
      expect(sessions).toEqual([
        {
          id: second.session.id,
          current: true,
          createdAt: rig.clock() - 5 * SEC,
          lastActiveAt: rig.clock() - 5 * SEC,
          ip: '198.51.100.7',
          userAgent: CHROME_MAC,
          device: 'Chrome 131 on macOS',
          amr: ['pwd'],
        },
        {
          id: first.session.id,
          current: false,
          createdAt: rig.clock() - 15 * SEC,
          lastActiveAt: rig.clock(),
          ip: '203.0.113.9',
          userAgent: FIREFOX_WIN,
          device: 'Firefox 133 on Windows',
          amr: ['pwd'],
        },
      ]);
    });

    it('leaves out sessions that were revoked or have idled out', async () => {
      const old = await browser().signIn();
      rig.clock.advance(3000 * SEC);
      const gone = await browser().signIn();
      await rig.store.revokeSession(gone.session.id, 'logout', rig.clock());
      rig.clock.advance(700 * SEC); // `old` is past its one-hour idle lifetime
      const now = await browser().signIn();
      expect((await account().list(now)).map((s) => s.id)).toEqual([now.session.id]);
      expect(old.session.id).not.toBe(now.session.id);
    });
  });

  describe('revoke', () => {
    it("ends one of the user's other sessions, audited, and reports it was not the caller's", async () => {
      const here = await browser().signIn();
      const there = await browser(FIREFOX_WIN).signIn();
      expect(await account().revoke(here, there.session.id, META)).toEqual({ current: false });
      expect(await row(there.session.id)).toMatchObject({ revokedAt: rig.clock(), revokedReason: 'user' });
      expect(await row(here.session.id)).toMatchObject({ revokedAt: null });
      expect((await rig.store.listEvents())[0]).toMatchObject({
        type: 'revoke',
        userId: here.user.id,
        sessionId: there.session.id,
        ip: META.ip,
        userAgent: META.userAgent,
        detail: 'ended by the user from another session',
      });
    });

    it("ends the caller's own session when asked, and says so", async () => {
      const here = await browser().signIn();
      expect(await account().revoke(here, here.session.id, META)).toEqual({ current: true });
      expect(await row(here.session.id)).toMatchObject({ revokedReason: 'user' });
    });

    it("answers another user's session, an unknown id, garbage and an ended session alike: not found, nothing changed", async () => {
      const jon = await browser().signIn();
      const ada = await browser().signIn('ada');
      const ended = await browser().signIn();
      await account().revoke(jon, ended.session.id, META);
      const events = (await rig.store.listEvents()).length;
      const ids = [
        ada.session.id,
        'AAAAAAAAAAAAAAAAAAAAAA',
        ended.session.id,
        '',
        'x'.repeat(65),
        '../../etc/passwd',
        'abc\u0000def',
        "' OR 1=1 --",
      ];
      for (const id of ids) {
        const error = await failure(account().revoke(jon, id, META));
        expect(error, JSON.stringify(id)).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({ status: 404, code: 'not_found', message: 'no such session' });
      }
      expect(await row(ada.session.id)).toMatchObject({ revokedAt: null });
      expect(await rig.store.listEvents()).toHaveLength(events);
    });

    it('refuses a caller whose own session has been revoked, though its access token has not expired', async () => {
      const here = await browser().signIn();
      const there = await browser().signIn();
      await account().revoke(there, here.session.id, META);
      const third = await browser().signIn();
      for (const call of [
        () => account().list(here),
        () => account().profile(here),
        () => account().revoke(here, third.session.id, META),
        () => account().revokeOthers(here, META),
        () => account().revokeAll(here, META),
        () =>
          account().changePassword(here, { current: 'password', next: NEW_PASSWORD }, META, () => undefined),
      ]) {
        expect(await failure(call())).toBeInstanceOf(InvalidTokenError);
      }
      expect(await row(third.session.id)).toMatchObject({ revokedAt: null });
      expect(await row(there.session.id)).toMatchObject({ revokedAt: null });
      expect(
        await rig.hasher.verify((await rig.store.findUserByUsername('jon'))!.passwordHash, 'password'),
      ).toBe(true);
    });

    it('refuses a banned user', async () => {
      const here = await browser().signIn();
      const there = await browser().signIn();
      await rig.store.updateUser(here.user.id, { status: 'banned' }, rig.clock());
      expect(await failure(account().revoke(here, there.session.id, META))).toBeInstanceOf(InvalidTokenError);
    });
  });

  describe('revoke others, revoke all', () => {
    it("ends every other live session of the user and keeps the caller's; other users are untouched", async () => {
      const here = await browser().signIn();
      const others = [await browser().signIn(), await browser(FIREFOX_WIN).signIn()];
      const ada = await browser().signIn('ada');
      expect(await account().revokeOthers(here, META)).toBe(2);
      for (const other of others)
        expect(await row(other.session.id)).toMatchObject({ revokedReason: 'user' });
      expect(await row(here.session.id)).toMatchObject({ revokedAt: null });
      expect(await row(ada.session.id)).toMatchObject({ revokedAt: null });
      const revokes = (await rig.store.listEvents({ type: 'revoke' })).map((e) => [e.sessionId, e.detail]);
      expect(revokes.sort()).toEqual(
        others
          .map((o) => [
            o.session.id,
            'ended by the user (sign out of all other sessions) from another session',
          ])
          .sort(),
      );
      expect(await account().revokeOthers(here, META)).toBe(0);
    });

    it("ends every live session, the caller's included", async () => {
      const here = await browser().signIn();
      const there = await browser().signIn();
      const ada = await browser().signIn('ada');
      await account().revokeAll(here, META);
      expect(await row(here.session.id)).toMatchObject({ revokedReason: 'user' });
      expect(await row(there.session.id)).toMatchObject({ revokedReason: 'user' });
      expect(await row(ada.session.id)).toMatchObject({ revokedAt: null });
      await expect(account().list(here)).rejects.toBeInstanceOf(InvalidTokenError);
    });
  });

  describe('change password', () => {
    const jonsHash = async () => (await rig.store.findUserByUsername('jon'))!.passwordHash;

    it("replaces the password, ends every other session, keeps the caller's, and audits it", async () => {
      const device = browser();
      const here = await device.signIn();
      const there = await browser(FIREFOX_WIN).signIn();
      rig.clock.advance(SEC);
      const { revoked } = await account().changePassword(
        here,
        { current: 'password', next: NEW_PASSWORD },
        device.meta,
        device.readCookie,
      );
      expect(revoked).toBe(1);
      expect(await row(there.session.id)).toMatchObject({ revokedReason: 'password_changed' });
      expect(await row(here.session.id)).toMatchObject({ revokedAt: null });
      expect(await account().list(here)).toHaveLength(1);
      const jon = (await rig.store.findUserByUsername('jon'))!;
      expect(jon.passwordChangedAt).toBe(rig.clock());
      await expect(rig.gh.sessions.login('jon', 'password', META)).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
      await expect(rig.gh.sessions.login('jon', NEW_PASSWORD, META)).resolves.toBeDefined();
      expect((await rig.store.listEvents({ type: 'password_changed' }))[0]).toMatchObject({
        userId: jon.id,
        sessionId: here.session.id,
        ip: device.meta.ip,
        detail: 'changed by the user; 1 other session ended',
      });
    });

    it('gives this browser a new device cookie; the old ones no longer count as devices', async () => {
      const device = browser();
      const here = await device.signIn();
      const stolen = { ...device.jar };
      const { device: fresh } = await account().changePassword(
        here,
        { current: 'password', next: NEW_PASSWORD },
        device.meta,
        device.readCookie,
      );
      expect(Object.keys(stolen)).toEqual([fresh.name]);
      expect(fresh.value.split('.')[0]).not.toBe(stolen[fresh.name]!.split('.')[0]);

      // Someone blocks the account from everywhere.
      for (let i = 0; i < 10; i++) {
        await expect(
          rig.gh.sessions.login('jon', 'guess', { ip: `192.0.2.${i}`, userAgent: 'x' }),
        ).rejects.toBeInstanceOf(InvalidCredentialsError);
      }
      const withCookie = (value: string) =>
        rig.gh.sessions.login('jon', NEW_PASSWORD, META, {
          readCookie: (n) => (n === fresh.name ? value : undefined),
        });
      // The cookie from before the change is charged like any browser: blocked with the account.
      await expect(withCookie(stolen[fresh.name]!)).rejects.toBeInstanceOf(TooManyAttemptsError);
      // The fresh one is this browser's device under the new password: let in.
      await expect(withCookie(fresh.value)).resolves.toMatchObject({ user: { username: 'jon' } });
    });

    it('a wrong current password: 401, nothing changed, counted by the sign-in throttle until 429', async () => {
      const here = await browser().signIn();
      const there = await browser().signIn();
      const before = await jonsHash();
      const change = () =>
        account().changePassword(here, { current: 'not it', next: NEW_PASSWORD }, META, () => undefined);
      // Five per (account, address): the sign-in limits, shared with the sign-in form.
      for (let i = 0; i < 5; i++) {
        expect(await failure(change())).toBeInstanceOf(InvalidCredentialsError);
      }
      const refused = await failure(change());
      expect(refused).toBeInstanceOf(TooManyAttemptsError);
      expect(refused).toMatchObject({ status: 429, retryAfter: 60 });
      // The right password from this address is refused too now, on the same counters…
      expect(
        await failure(
          account().changePassword(here, { current: 'password', next: NEW_PASSWORD }, META, () => undefined),
        ),
      ).toBeInstanceOf(TooManyAttemptsError);
      await expect(rig.gh.sessions.login('jon', 'password', META)).rejects.toBeInstanceOf(
        TooManyAttemptsError,
      );
      // …and nothing changed.
      expect(await jonsHash()).toBe(before);
      expect(await row(there.session.id)).toMatchObject({ revokedAt: null });
      const failures = await rig.store.listEvents({ type: 'login_failed' });
      expect(failures).toHaveLength(5);
      expect(failures[0]).toMatchObject({
        userId: here.user.id,
        detail: 'wrong current password (password change)',
      });
      expect(await rig.store.listEvents({ type: 'password_changed' })).toEqual([]);
    });

    it('a new password the policy refuses: 400 with the reason, nothing changed and nothing counted', async () => {
      const here = await browser().signIn();
      const there = await browser().signIn();
      const before = await jonsHash();
      for (const next of ['short', 'jon', 'JON', 'password', '        ', 'x'.repeat(1025)]) {
        for (let i = 0; i < 3; i++) {
          const error = await failure(
            account().changePassword(here, { current: 'password', next }, META, () => undefined),
          );
          expect(error, next).toBeInstanceOf(WeakPasswordError);
          expect((error as Error).message.length).toBeGreaterThan(10);
        }
      }
      expect(await jonsHash()).toBe(before);
      expect(await row(there.session.id)).toMatchObject({ revokedAt: null });
      // Eighteen refusals and no throttle count: the right password still works from here.
      await expect(
        account().changePassword(here, { current: 'password', next: NEW_PASSWORD }, META, () => undefined),
      ).resolves.toMatchObject({ revoked: 1 });
    });

    it('the same password again is refused before any hashing or counting: nothing would change', async () => {
      const here = await browser().signIn();
      const before = await jonsHash();
      const error = await failure(
        account().changePassword(here, { current: NEW_PASSWORD, next: NEW_PASSWORD }, META, () => undefined),
      );
      expect(error).toBeInstanceOf(WeakPasswordError);
      expect((error as Error).message).toMatch(/differ/);
      expect(await jonsHash()).toBe(before);
    });

    it('a current password over the length cap is a bad request, not a hash', async () => {
      const here = await browser().signIn();
      const error = await failure(
        account().changePassword(
          here,
          { current: 'x'.repeat(1025), next: NEW_PASSWORD },
          META,
          () => undefined,
        ),
      );
      expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
    });
  });
});
