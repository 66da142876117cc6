import Database from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cheapHasher, makeRig, META, tempSqlite, type TestRig } from '../../test/helpers';
import {
  InvalidCredentialsError,
  InvalidGrantError,
  InvalidLinkError,
  ServerBusyError,
  UnknownUserError,
  WeakPasswordError,
} from '../edge/errors';
import { manualClock } from '../edge/clock';
import { cryptoRandom } from '../edge/random';
import { setPassword } from './credentials';
import { createPasswordLinkIssuer, hashLinkToken } from './password-links';
import type { PasswordHasher } from './passwords';
import type { User } from './store';

const MIN = 60_000;
const GOOD = 'correct horse battery staple';
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

/** A hasher that can be told to be busy, as the hashing ceiling is under a flood. */
function switchableHasher(): PasswordHasher & { busy: boolean } {
  const real = cheapHasher();
  return {
    busy: false,
    hash(password) {
      return this.busy ? Promise.reject(new ServerBusyError()) : real.hash(password);
    },
    verify: (hash, password) => real.verify(hash, password),
    needsRehash: (hash) => real.needsRehash(hash),
    verifyDummy: (password) => real.verifyDummy(password),
  };
}

describe('one-time password links', () => {
  let rig: TestRig;
  let dbPath: string;
  let cleanupDb: () => Promise<void>;
  let hasher: ReturnType<typeof switchableHasher>;
  let ada: User;

  beforeEach(async () => {
    const temp = await tempSqlite();
    dbPath = temp.path;
    cleanupDb = temp.cleanup;
    hasher = switchableHasher();
    rig = await makeRig({ AUTH_ACCESS_TTL: '900', AUTH_PUBLIC_URL: 'https://auth.example.com' }, temp.store, {
      hasher,
    });
    await rig.addUser('jon', { admin: true });
    ada = await rig.addUser('ada', { name: 'Ada Lovelace', password: 'old password 1' });
  });
  afterEach(async () => {
    await rig.cleanup();
    await cleanupDb();
  });

  const links = () => rig.gh.passwordLinks;
  const newLink = async (purpose: 'reset' | 'invite' = 'reset', createdBy: string | null = null) =>
    tokenOf((await links().create(ada.id, { purpose, createdBy })).url);
  const redeem = (token: string, password = GOOD) => links().redeem(token, password, META);
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidLinkError);
    // One code, one message, whatever the reason: nothing for a prober to tell apart.
    expect(error).toMatchObject({
      code: 'invalid_link',
      status: 400,
      message: new InvalidLinkError().message,
    });
  };

  it('hands out a URL on AUTH_PUBLIC_URL, valid for AUTH_PASSWORD_LINK_TTL, with 32 random bytes', async () => {
    const { url, expiresAt } = await links().create(ada.id, { purpose: 'invite', createdBy: null });
    expect(url).toMatch(/^https:\/\/auth\.example\.com\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBe(rig.clock() + 30 * MIN);
    expect(await links().check(tokenOf(url))).toEqual({ username: 'ada', purpose: 'invite', expiresAt });
  });

  it('stores only the SHA-256 of the token: the token appears nowhere in the database', async () => {
    const jon = (await rig.store.findUserByUsername('jon'))!;
    const { url } = await links().create(ada.id, { purpose: 'reset', createdBy: jon.id });
    const token = tokenOf(url);
    await redeem(token);
    const db = new Database(dbPath, { readonly: true });
    try {
      const everything = ['password_links', 'auth_events', 'sessions', 'users'].map((table) =>
        db.prepare(`SELECT * FROM ${table}`).all(),
      );
      const dump = JSON.stringify(everything);
      expect(dump).not.toContain(token);
      expect(dump).toContain(hashLinkToken(token));
    } finally {
      db.close();
    }
    const created = await rig.store.listEvents({ type: 'password_link_created' });
    expect(created).toMatchObject([{ userId: ada.id, actorId: jon.id, detail: 'reset' }]);
  });

  it('works once: sets the password, and a second redeem is refused and changes nothing', async () => {
    const token = await newLink();
    await redeem(token);
    expect(await rig.gh.sessions.login('ada', GOOD, META)).toMatchObject({ tokenType: 'Bearer' });
    await expect(rig.gh.sessions.login('ada', 'old password 1', META)).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );

    const before = await rig.store.findUserById(ada.id);
    const sessions = await rig.store.listSessions(ada.id);
    const events = await rig.store.listEvents();
    await refusal(redeem(token, 'another good password 2'));
    await refusal(links().check(token));
    expect(await rig.store.findUserById(ada.id)).toEqual(before);
    expect(await rig.store.listSessions(ada.id)).toEqual(sessions);
    expect(await rig.store.listEvents()).toEqual(events);
  });

  it('expires after the TTL (usable until the last millisecond, refused from then on)', async () => {
    const token = await newLink();
    rig.clock.advance(30 * MIN - 1);
    expect(await links().check(token)).toMatchObject({ username: 'ada' });
    rig.clock.advance(1);
    await refusal(links().check(token));
    await refusal(redeem(token));
    expect(await hasher.verify((await rig.store.findUserById(ada.id))!.passwordHash, 'old password 1')).toBe(
      true,
    );
  });

  it('takes its lifetime from AUTH_PASSWORD_LINK_TTL', async () => {
    const other = await makeRig({ AUTH_PASSWORD_LINK_TTL: '120' });
    try {
      const user = await other.addUser('bob');
      const { expiresAt, url } = await other.gh.passwordLinks.create(user.id, {
        purpose: 'reset',
        createdBy: null,
      });
      expect(expiresAt).toBe(other.clock() + 120_000);
      expect(url).toMatch(/^http:\/\/localhost:3000\/reset-password\?token=/);
    } finally {
      await other.cleanup();
    }
  });

  it('refuses tampered, garbage and oversized tokens the same way, without asking the database', async () => {
    const token = await newLink();
    const find = vi.spyOn(rig.store, 'findPasswordLink');
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    await refusal(links().check(flipped)); // well-formed: looked up, not found
    expect(find).toHaveBeenCalledTimes(1);
    for (const bad of [
      '',
      'x',
      `${token}=`,
      `${token}A`,
      token.slice(1),
      'a'.repeat(100_000),
      `${token.slice(1)}\0`,
      '../'.repeat(15),
    ]) {
      await refusal(links().check(bad));
      await refusal(redeem(bad));
    }
    expect(find).toHaveBeenCalledTimes(1);
    expect(await links().check(token)).toMatchObject({ username: 'ada' });
  });

  it('a new link ends the older one; a password set another way ends both', async () => {
    const first = await newLink();
    const second = await newLink('invite');
    await refusal(links().check(first));
    expect(await links().check(second)).toMatchObject({ purpose: 'invite' });

    await setPassword(rig, (await rig.store.findUserById(ada.id))!, 'changed elsewhere 3', {
      reason: 'admin',
    });
    await refusal(links().check(second));
  });

  it('a weak password is refused with the reason and leaves the link usable', async () => {
    const token = await newLink();
    for (const weak of ['short', 'ada', 'password123', ' '.repeat(20)]) {
      await expect(redeem(token, weak)).rejects.toBeInstanceOf(WeakPasswordError);
    }
    await expect(redeem(token, 'short')).rejects.toThrow(/at least 8 characters/);
    expect(await links().check(token)).toMatchObject({ username: 'ada' });
    await redeem(token);
  });

  it('a hasher too busy to take the password leaves the link usable', async () => {
    const token = await newLink();
    hasher.busy = true;
    await expect(redeem(token)).rejects.toBeInstanceOf(ServerBusyError);
    hasher.busy = false;
    expect(await links().check(token)).toMatchObject({ username: 'ada' });
    await redeem(token);
  });

  it('refuses a banned or deleted account, and creates no link for an unknown or deleted one', async () => {
    const token = await newLink();
    await rig.store.updateUser(ada.id, { status: 'banned' }, rig.clock());
    await refusal(links().check(token));
    await refusal(redeem(token));
    await rig.store.updateUser(ada.id, { status: 'active' }, rig.clock());
    expect(await links().check(token)).toMatchObject({ username: 'ada' });

    await rig.store.updateUser(ada.id, { deletedAt: rig.clock() }, rig.clock());
    await refusal(links().check(token));
    await refusal(redeem(token));
    expect(await rig.store.listSessions(ada.id)).toEqual([]);
    await expect(links().create(ada.id, { purpose: 'reset', createdBy: null })).rejects.toBeInstanceOf(
      UnknownUserError,
    );
    await expect(links().create('no-such-id', { purpose: 'reset', createdBy: null })).rejects.toBeInstanceOf(
      UnknownUserError,
    );
  });

  it('a ban landing while the password hashes: the link is spent, the account untouched', async () => {
    const token = await newLink();
    const before = (await rig.store.findUserById(ada.id))!;
    const hash = hasher.hash;
    hasher.hash = async function (password) {
      const result = await hash.call(this, password);
      await rig.store.updateUser(ada.id, { status: 'banned' }, rig.clock());
      return result;
    };
    await refusal(redeem(token));
    const after = (await rig.store.findUserById(ada.id))!;
    expect(after).toMatchObject({ passwordHash: before.passwordHash, revokedBefore: null, status: 'banned' });
    expect(await rig.store.listSessions(ada.id)).toEqual([]);
  });

  it('ends every session and older token of the account, ends its device cookies, and signs the person in', async () => {
    const phone = await rig.gh.sessions.login('ada', 'old password 1', META);
    const laptop = await rig.gh.sessions.login('ada', 'old password 1', META);
    const token = await newLink();
    rig.clock.advance(5 * MIN);

    const pair = await links().redeem(token, GOOD, { ip: '203.0.113.9', userAgent: 'phone browser' });

    const now = rig.clock();
    const user = (await rig.store.findUserById(ada.id))!;
    expect(user).toMatchObject({ revokedBefore: now, passwordChangedAt: now }); // device cookies bind to passwordChangedAt
    for (const old of [phone, laptop]) {
      expect(await rig.store.findSession(old.sessionId)).toMatchObject({
        revokedAt: now,
        revokedReason: 'password_reset',
      });
      await expect(rig.gh.sessions.refresh(old.refreshToken, META)).rejects.toBeInstanceOf(InvalidGrantError);
    }
    expect((await rig.store.listSessions(ada.id)).map((s) => s.id)).toEqual([pair.sessionId]);
    expect(decodeJwt(pair.accessToken)).toMatchObject({
      sub: ada.id,
      sid: pair.sessionId,
      name: 'Ada Lovelace',
    });
    expect(await rig.gh.sessions.refresh(pair.refreshToken, META)).toMatchObject({
      sessionId: pair.sessionId,
    });

    const [reset] = await rig.store.listEvents({ type: 'password_reset' });
    expect(reset).toMatchObject({
      userId: ada.id,
      actorId: null,
      detail: expect.stringMatching(/^reset; \d+ session\(s\) revoked$/),
      ip: '203.0.113.9',
      userAgent: 'phone browser',
    });
  });

  it('of two concurrent redeems of one link, exactly one wins; the other changes nothing', async () => {
    const token = await newLink('invite');
    const results = await Promise.allSettled([redeem(token, GOOD), redeem(token, 'a different good one 4')]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidLinkError);
    const winner = results.indexOf(won[0]!) === 0 ? GOOD : 'a different good one 4';
    const loser = winner === GOOD ? 'a different good one 4' : GOOD;
    const { passwordHash } = (await rig.store.findUserById(ada.id))!;
    expect(await hasher.verify(passwordHash, winner)).toBe(true);
    expect(await hasher.verify(passwordHash, loser)).toBe(false);
    expect(await rig.store.listSessions(ada.id)).toHaveLength(1);
    expect(await rig.store.listEvents({ type: 'password_reset' })).toMatchObject([{ detail: expect.stringMatching(/^invite; /) }]);
  });
});

describe('the link issuer without a Gatehouse (the users command has no AUTH_SECRET)', () => {
  it('makes the same links from a store, a clock and randomness', async () => {
    const { store, cleanup } = await tempSqlite();
    try {
      const clock = manualClock();
      const user = await store.createUser({
        id: 'u1',
        username: 'cid',
        displayName: 'Cid',
        passwordHash: 'x',
        admin: false,
        now: clock(),
      });
      const issuer = createPasswordLinkIssuer({
        store,
        clock,
        random: cryptoRandom,
        publicUrl: null,
        ttl: 600,
      });
      const { url, expiresAt } = await issuer.create(user.id, { purpose: 'invite', createdBy: null });
      expect(url).toMatch(/^http:\/\/localhost:3000\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
      expect(expiresAt).toBe(clock() + 600_000);
      expect(await store.findPasswordLink(hashLinkToken(tokenOf(url)))).toMatchObject({
        userId: 'u1',
        purpose: 'invite',
        usedAt: null,
        createdBy: null,
      });
    } finally {
      await cleanup();
    }
  });
});
