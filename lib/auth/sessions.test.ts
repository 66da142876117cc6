import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, META, OTHER_SECRET, type TestRig } from '../../test/helpers';
import { InvalidCredentialsError, InvalidGrantError, InvalidTokenError, TooManyAttemptsError } from '../edge/errors';
import { setPassword } from './credentials';
import { createGatehouse } from './gatehouse';
import { unsealRefreshToken } from '../edge/refresh-token';

const SEC = 1000;

async function grantError(promise: Promise<unknown>): Promise<InvalidGrantError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidGrantError);
  return error as InvalidGrantError;
}

describe('sessions service', () => {
  let rig: TestRig;
  beforeEach(async () => {
    rig = await makeRig({ AUTH_ACCESS_TTL: '900', AUTH_REFRESH_TTL: '3600', AUTH_SESSION_MAX_AGE: '86400', AUTH_REFRESH_GRACE: '10' });
    await rig.addUser('jon', { name: 'Jon Doe', admin: true });
    await rig.addUser('ada', { name: 'Ada Lovelace' });
  });
  afterEach(() => rig.cleanup());

  const login = (username = 'jon', password = 'password') => rig.gh.sessions.login(username, password, META);

  describe('login', () => {
    it('issues an access token with the user claims and a refresh token for generation 0', async () => {
      const pair = await login('JON');
      const claims = decodeJwt(pair.accessToken);
      expect(claims).toMatchObject({ name: 'Jon Doe', admin: true, sid: pair.sessionId, iat: rig.clock() / SEC, exp: rig.clock() / SEC + 900 });
      expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresAt: rig.clock() + 3600 * SEC });
      expect(await unsealRefreshToken(rig.keyring, pair.refreshToken)).toEqual({ sid: pair.sessionId, gen: 0, sub: claims.sub });
      const session = await rig.store.findSession(pair.sessionId);
      expect(session).toMatchObject({ gen: 0, userAgent: 'vitest', ip: '127.0.0.1', absoluteExpiresAt: rig.clock() + 86_400 * SEC });
      expect((await rig.store.listEvents())[0]).toMatchObject({ type: 'login_ok', sessionId: pair.sessionId });
    });

    it('refuses a wrong password and an unknown user with the same error, and records both', async () => {
      await expect(login('jon', 'wrong')).rejects.toBeInstanceOf(InvalidCredentialsError);
      await expect(login('nobody', 'password')).rejects.toBeInstanceOf(InvalidCredentialsError);
      const events = await rig.store.listEvents();
      expect(events.map((e) => [e.type, e.detail])).toEqual([
        ['login_failed', expect.stringMatching(/^unknown username #[\w-]{16}$/)],
        ['login_failed', 'wrong password'],
      ]);
    });

    it('never stores a username that matches no account, only its keyed hash (the same for the same name)', async () => {
      // People type their password into the username field.
      await expect(login('hunter2-typed-as-name', 'x')).rejects.toBeInstanceOf(InvalidCredentialsError);
      await expect(login('HUNTER2-typed-as-name', 'x')).rejects.toBeInstanceOf(InvalidCredentialsError);
      const [a, b] = await rig.store.listEvents();
      expect(JSON.stringify([a, b])).not.toMatch(/hunter2/i);
      expect(a!.detail).toBe(b!.detail);
    });

    it('answers a banned account with the right password exactly as a wrong password, and records the difference', async () => {
      const jon = await rig.store.findUserByUsername('jon');
      await rig.store.updateUser(jon!.id, { status: 'banned' }, rig.clock());
      const wrong = await login('jon', 'wrong').catch((e: unknown) => e);
      const right = await login('jon', 'password').catch((e: unknown) => e);
      expect(right).toBeInstanceOf(InvalidCredentialsError);
      expect([(right as InvalidCredentialsError).code, (right as Error).message]).toEqual([
        (wrong as InvalidCredentialsError).code,
        (wrong as Error).message,
      ]);
      expect((await rig.store.listEvents()).map((e) => e.detail).slice(0, 2)).toEqual(['account banned', 'wrong password']);
      expect(await rig.store.listSessions(jon!.id)).toEqual([]);
    });

    it('counts a device cookie only under the password it was minted for: a change or reset ends them all', async () => {
      const jar: Record<string, string> = {};
      const fromJonsBrowser = (password: string) =>
        rig.gh.sessions.login('jon', password, META, { readCookie: (name) => jar[name] });
      const keep = ({ device }: { device?: { name: string; value: string } }) => {
        jar[device!.name] = device!.value;
      };
      keep(await fromJonsBrowser('password'));
      // Someone elsewhere blocks the account; Jon's browser is still let in, as its own device.
      for (let i = 0; i < 10; i++) {
        await expect(
          rig.gh.sessions.login('jon', 'wrong', { ip: `192.0.2.${i}`, userAgent: 'x' }),
        ).rejects.toBeInstanceOf(InvalidCredentialsError);
      }
      keep(await fromJonsBrowser('password'));

      const jon = (await rig.store.findUserByUsername('jon'))!;
      rig.clock.advance(SEC);
      await setPassword(rig, jon, 'a brand new passphrase', { reason: 'password_reset', everywhere: true });
      // The same browser, the right new password: no longer a known device, so the account's block holds.
      await expect(fromJonsBrowser('a brand new passphrase')).rejects.toBeInstanceOf(TooManyAttemptsError);
    });

    it('caps live sessions per user: a sign-in beyond AUTH_MAX_SESSIONS ends the least recently used', async () => {
      const capped = await makeRig({ AUTH_MAX_SESSIONS: '3' });
      try {
        await capped.addUser('jon');
        const pairs = [];
        for (let i = 0; i < 3; i++) {
          pairs.push(await capped.gh.sessions.login('jon', 'password', META));
          capped.clock.advance(1000);
        }
        // The first session is used again, so the second is now the least recently used.
        capped.clock.advance(1000);
        await capped.gh.sessions.refresh(pairs[0]!.refreshToken, META);
        await capped.gh.sessions.login('jon', 'password', META);
        const live = await capped.store.listSessions(pairs[0]!.user.id);
        expect(live).toHaveLength(3);
        expect(await capped.store.findSession(pairs[1]!.sessionId)).toMatchObject({ revokedReason: 'session_limit' });
        expect(live.map((s) => s.id)).toContain(pairs[0]!.sessionId);
        expect((await capped.store.listEvents())[1]).toMatchObject({
          type: 'revoke',
          sessionId: pairs[1]!.sessionId,
          detail: 'session limit (3): least recently used session ended',
        });
      } finally {
        await capped.cleanup();
      }
    });

    it('upgrades a hash made with weaker parameters', async () => {
      const jon = await rig.store.findUserByUsername('jon');
      const weak = await (await import('./passwords')).createArgon2Hasher({ memoryCost: 512, timeCost: 1, parallelism: 1 }).hash('password');
      await rig.store.updateUser(jon!.id, { passwordHash: weak }, rig.clock());
      await login();
      const after = await rig.store.findUserByUsername('jon');
      expect(after!.passwordHash).not.toBe(weak);
      expect(after!.passwordHash).toContain('m=1024');
      await expect(login()).resolves.toBeTruthy();
    });
  });

  describe('refresh', () => {
    it('rotates: a new pair, generation +1, idle expiry pushed out, an event recorded', async () => {
      const first = await login();
      rig.clock.advance(600 * SEC);
      const second = await rig.gh.sessions.refresh(first.refreshToken, META);
      expect(second.sessionId).toBe(first.sessionId);
      expect(second.accessToken).not.toBe(first.accessToken);
      expect(decodeJwt(second.accessToken).jti).not.toBe(decodeJwt(first.accessToken).jti);
      expect((await unsealRefreshToken(rig.keyring, second.refreshToken)).gen).toBe(1);
      const session = await rig.store.findSession(first.sessionId);
      expect(session).toMatchObject({ gen: 1, rotatedAt: rig.clock(), idleExpiresAt: rig.clock() + 3600 * SEC });
      expect((await rig.store.listEvents())[0]!.type).toBe('refresh');
      // And the new one rotates again.
      rig.clock.advance(600 * SEC);
      await rig.gh.sessions.refresh(second.refreshToken, META);
      expect((await rig.store.findSession(first.sessionId))!.gen).toBe(2);
    });

    it('takes name and admin from the database, not from the old token', async () => {
      const first = await login();
      const jon = await rig.store.findUserByUsername('jon');
      await rig.store.updateUser(jon!.id, { admin: false, displayName: 'Jonathan' }, rig.clock());
      const second = await rig.gh.sessions.refresh(first.refreshToken, META);
      expect(decodeJwt(second.accessToken)).toMatchObject({ admin: false, name: 'Jonathan' });
    });

    it('within the grace window, the previous token gets the current generation without rotating', async () => {
      const first = await login();
      rig.clock.advance(100 * SEC);
      const second = await rig.gh.sessions.refresh(first.refreshToken, META);
      rig.clock.advance(10 * SEC); // exactly at the edge of the window
      const again = await rig.gh.sessions.refresh(first.refreshToken, META);
      expect((await unsealRefreshToken(rig.keyring, again.refreshToken)).gen).toBe(1);
      expect(again.accessToken).not.toBe(second.accessToken);
      expect(await rig.store.findSession(first.sessionId)).toMatchObject({ gen: 1, revokedAt: null });
      // The current token still rotates normally afterwards.
      await rig.gh.sessions.refresh(second.refreshToken, META);
      expect((await rig.store.findSession(first.sessionId))!.gen).toBe(2);
    });

    it('after the grace window, reuse of the previous token revokes the whole session', async () => {
      const first = await login();
      const second = await rig.gh.sessions.refresh(first.refreshToken, META);
      rig.clock.advance(10 * SEC + 1);
      const error = await grantError(rig.gh.sessions.refresh(first.refreshToken, META));
      expect(error.reason).toBe('reuse_detected');
      expect(await rig.store.findSession(first.sessionId)).toMatchObject({ revokedReason: 'reuse_detected' });
      expect((await rig.store.listEvents())[0]).toMatchObject({ type: 'reuse_detected', detail: 'presented gen 0, current 1' });
      // The legitimate holder's current token is dead too: both must sign in again.
      expect((await grantError(rig.gh.sessions.refresh(second.refreshToken, META))).reason).toBe('revoked');
    });

    it('a token two generations behind is reuse even inside the grace window', async () => {
      const first = await login();
      const second = await rig.gh.sessions.refresh(first.refreshToken, META);
      await rig.gh.sessions.refresh(second.refreshToken, META);
      expect((await grantError(rig.gh.sessions.refresh(first.refreshToken, META))).reason).toBe('reuse_detected');
    });

    it('with grace 0, any second use is reuse', async () => {
      const strict = await makeRig({ AUTH_REFRESH_GRACE: '0' });
      try {
        await strict.addUser('jon');
        const first = await strict.gh.sessions.login('jon', 'password', META);
        await strict.gh.sessions.refresh(first.refreshToken, META);
        strict.clock.advance(1);
        expect((await grantError(strict.gh.sessions.refresh(first.refreshToken, META))).reason).toBe('reuse_detected');
      } finally {
        await strict.cleanup();
      }
    });

    it('ends after the idle lifetime without use', async () => {
      const first = await login();
      rig.clock.advance(3600 * SEC - 1);
      const second = await rig.gh.sessions.refresh(first.refreshToken, META);
      rig.clock.advance(3600 * SEC);
      expect((await grantError(rig.gh.sessions.refresh(second.refreshToken, META))).reason).toBe('idle_expired');
    });

    it('ends at the absolute lifetime however active, and caps token lifetimes by it', async () => {
      let pair = await login();
      for (let i = 0; i < 95; i++) {
        rig.clock.advance(900 * SEC);
        pair = await rig.gh.sessions.refresh(pair.refreshToken, META);
      }
      // 95 × 15 min = 23h45m; the session ends at 24h.
      expect(pair.expiresIn).toBe(900);
      rig.clock.advance(600 * SEC);
      pair = await rig.gh.sessions.refresh(pair.refreshToken, META);
      expect(pair.expiresIn).toBe(300);
      expect(pair.refreshExpiresAt).toBe((await rig.store.findSession(pair.sessionId))!.absoluteExpiresAt);
      rig.clock.advance(300 * SEC);
      expect((await grantError(rig.gh.sessions.refresh(pair.refreshToken, META))).reason).toBe('absolute_expired');
    });

    it('refuses and revokes when the user is banned or deleted', async () => {
      const jon = await login('jon');
      const ada = await login('ada');
      const users = await rig.store.listUsers();
      await rig.store.updateUser(users.find((u) => u.username === 'jon')!.id, { status: 'banned' }, rig.clock());
      await rig.store.updateUser(users.find((u) => u.username === 'ada')!.id, { deletedAt: rig.clock() }, rig.clock());
      expect((await grantError(rig.gh.sessions.refresh(jon.refreshToken, META))).reason).toBe('user_inactive');
      expect((await grantError(rig.gh.sessions.refresh(ada.refreshToken, META))).reason).toBe('user_inactive');
      expect(await rig.store.findSession(jon.sessionId)).toMatchObject({ revokedReason: 'user_banned' });
      expect(await rig.store.findSession(ada.sessionId)).toMatchObject({ revokedReason: 'user_deleted' });
    });

    it('refuses garbage, other secrets and unknown sessions without writing anything', async () => {
      const pair = await login();
      const before = await rig.store.listEvents();
      expect((await grantError(rig.gh.sessions.refresh('garbage', META))).reason).toBe('malformed');
      expect((await grantError(rig.gh.sessions.refresh(pair.accessToken, META))).reason).toBe('malformed');
      const other = await makeRig({ AUTH_SECRET: OTHER_SECRET });
      try {
        await other.addUser('jon');
        const foreign = await other.gh.sessions.login('jon', 'password', META);
        expect((await grantError(rig.gh.sessions.refresh(foreign.refreshToken, META))).reason).toBe('malformed');
      } finally {
        await other.cleanup();
      }
      expect(await rig.store.listEvents()).toEqual(before);
      expect(await rig.store.findSession(pair.sessionId)).toMatchObject({ gen: 0, revokedAt: null });
    });

    it('shares one rotation among concurrent refreshes of the same token (single flight)', async () => {
      const pair = await login();
      const results = await Promise.all(Array.from({ length: 20 }, () => rig.gh.sessions.refresh(pair.refreshToken, META)));
      expect(new Set(results.map((r) => r.refreshToken)).size).toBe(1);
      expect(await rig.store.findSession(pair.sessionId)).toMatchObject({ gen: 1, revokedAt: null });
      expect((await rig.store.listEvents()).filter((e) => e.type === 'refresh')).toHaveLength(1);
    });

    it('two instances racing on one database: one rotation wins, the loser lands in the grace window', async () => {
      const pair = await login();
      // Both instances read the session before either writes: hold each read until both have
      // arrived, then let them race to the conditional write.
      let arrived = 0;
      let release!: () => void;
      const bothRead = new Promise<void>((r) => (release = r));
      const rotations: boolean[] = [];
      const racing = {
        ...rig.store,
        async findSession(id: string) {
          const row = await rig.store.findSession(id);
          if (++arrived === 2) release();
          if (arrived <= 2) await bothRead;
          return row;
        },
        async rotateSession(...args: Parameters<typeof rig.store.rotateSession>) {
          const won = await rig.store.rotateSession(...args);
          rotations.push(won);
          return won;
        },
      };
      // Two services (two server instances) on one database; single flight cannot help here.
      const instance = async () =>
        (await createGatehouse({ config: rig.gh.config, store: racing, clock: rig.clock, hasher: rig.hasher })).sessions;
      const [one, two] = [await instance(), await instance()];
      const [a, b] = await Promise.all([one.refresh(pair.refreshToken, META), two.refresh(pair.refreshToken, META)]);
      expect(rotations.sort()).toEqual([false, true]);
      expect((await unsealRefreshToken(rig.keyring, a.refreshToken)).gen).toBe(1);
      expect((await unsealRefreshToken(rig.keyring, b.refreshToken)).gen).toBe(1);
      expect(await rig.store.findSession(pair.sessionId)).toMatchObject({ gen: 1, revokedAt: null });
    });

    it('a client whose rotation response was lost recovers if it retries within the grace window', async () => {
      // The endpoint rotated (gen 1) but the answer never reached the client (timeout, aborted
      // navigation): it still holds gen 0. Inside the grace window that is indistinguishable
      // from concurrent use and works; after it, it is indistinguishable from theft (see README).
      const pair = await login();
      await rig.gh.sessions.refresh(pair.refreshToken, META); // response "lost"
      rig.clock.advance(9 * SEC);
      const retry = await rig.gh.sessions.refresh(pair.refreshToken, META);
      expect((await unsealRefreshToken(rig.keyring, retry.refreshToken)).gen).toBe(1);
      await expect(rig.gh.sessions.refresh(retry.refreshToken, META)).resolves.toBeTruthy();
    });
  });

  describe('confirm (admin surfaces)', () => {
    it('passes a live session and returns the user as the database has it now', async () => {
      const pair = await login();
      const claims = await rig.sessions.verifyAccess(pair.accessToken);
      expect(await rig.sessions.confirm(claims.sid, claims.sub)).toMatchObject({ name: 'Jon Doe', admin: true });
      const jon = await rig.store.findUserByUsername('jon');
      await rig.store.updateUser(jon!.id, { admin: false }, rig.clock());
      expect(await rig.sessions.confirm(claims.sid, claims.sub)).toMatchObject({ admin: false });
    });

    it('refuses at once, before the access token expires, once the session is revoked or the user banned', async () => {
      const a = await login();
      const b = await login();
      const claimsA = await rig.sessions.verifyAccess(a.accessToken);
      const claimsB = await rig.sessions.verifyAccess(b.accessToken);
      await rig.gh.sessions.logout({ refreshToken: a.refreshToken }, META);
      await expect(rig.sessions.confirm(claimsA.sid, claimsA.sub)).rejects.toMatchObject({ code: 'invalid_token', reason: 'revoked' });
      await expect(rig.sessions.confirm(claimsB.sid, claimsB.sub)).resolves.toBeTruthy();
      const jon = await rig.store.findUserByUsername('jon');
      await rig.store.updateUser(jon!.id, { status: 'banned' }, rig.clock());
      await expect(rig.sessions.confirm(claimsB.sid, claimsB.sub)).rejects.toMatchObject({ reason: 'revoked' });
    });
  });

  describe('logout and access verification', () => {
    it('revokes the session by refresh token; the refresh token then fails', async () => {
      const pair = await login();
      await rig.gh.sessions.logout({ refreshToken: pair.refreshToken }, META);
      expect(await rig.store.findSession(pair.sessionId)).toMatchObject({ revokedReason: 'logout' });
      expect((await grantError(rig.gh.sessions.refresh(pair.refreshToken, META))).reason).toBe('revoked');
      // Again: quietly nothing.
      await expect(rig.gh.sessions.logout({ refreshToken: pair.refreshToken }, META)).resolves.toBeUndefined();
      expect((await rig.store.listEvents()).filter((e) => e.type === 'logout')).toHaveLength(1);
    });

    it('revokes by a (even just expired) access token when no refresh token is given', async () => {
      const pair = await login();
      rig.clock.advance(901 * SEC);
      await rig.gh.sessions.logout({ accessToken: pair.accessToken, refreshToken: 'garbage' }, META);
      expect(await rig.store.findSession(pair.sessionId)).toMatchObject({ revokedReason: 'logout' });
    });

    it('ignores tokens it cannot read', async () => {
      await expect(rig.gh.sessions.logout({ accessToken: 'x', refreshToken: 'y' }, META)).resolves.toBeUndefined();
      await expect(rig.gh.sessions.logout({}, META)).resolves.toBeUndefined();
    });

    it('verifies access tokens without touching the store', async () => {
      const pair = await login();
      await rig.store.close();
      await expect(rig.sessions.verifyAccess(pair.accessToken)).resolves.toMatchObject({ name: 'Jon Doe' });
      rig.clock.advance(900 * SEC);
      await expect(rig.sessions.verifyAccess(pair.accessToken)).rejects.toBeInstanceOf(InvalidTokenError);
    });
  });
});
