import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Store } from '../lib/auth/store';
import type { TokenPair } from '../lib/auth/sessions';
import { REVOCATION_FEED_HEADER, REVOCATION_FEED_VALUE, signInternal } from '../lib/edge/internal-header';
import { handlePrivate } from '../lib/http/handlers/protected';
import { handleRevocations } from '../lib/http/handlers/revocations';
import { openPostgresStore } from '../lib/store/postgres';
import { setPassword } from '../lib/auth/credentials';
import { cheapHasher, makeRig, META, tempSqlite, type TestRig } from './helpers';
import { dropSchema, freshSchema, POSTGRES_URL } from './store/postgres-schema';

/**
 * Revocation reaching the access path: a token of a session that has ended elsewhere is refused
 * once the set has been refreshed ("a poll"), by the same reader pages, route handlers and the
 * bearer API use (Gatehouse.authenticate) — and that reader queries the database not once per
 * request. Polls are triggered by the test; the clock is frozen, so nothing refreshes by itself.
 */

/** A store that counts every call made through it. */
function counting(store: Store): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const counted = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(name));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: counted, calls };
}

const bearer = (pair: TokenPair) => new Headers({ authorization: `Bearer ${pair.accessToken}` });
const privateApi = (pair: TokenPair, rig: TestRig) =>
  handlePrivate(new Request('http://gatehouse.test/api/private', { headers: bearer(pair) }), rig.gh);

describe('revocation on the access path', () => {
  let rig: TestRig;
  let calls: string[];
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const temp = await tempSqlite();
    const c = counting(temp.store);
    calls = c.calls;
    cleanup = temp.cleanup;
    rig = await makeRig({ AUTH_ACCESS_TTL: '900', AUTH_REFRESH_GRACE: '10' }, c.store);
    await rig.addUser('jon', { password: 'jon-password-1' });
    await rig.addUser('ada', { password: 'ada-password-1' });
    await rig.gh.revocations.refresh();
  });
  afterEach(async () => {
    await rig.cleanup();
    await cleanup();
  });

  const signIn = (name: string) => rig.gh.sessions.login(name, `${name}-password-1`, META);
  const expectRefused = async (pair: TokenPair) => {
    await expect(rig.gh.authenticate(bearer(pair))).rejects.toMatchObject({
      code: 'invalid_token',
      reason: 'revoked',
    });
    expect((await privateApi(pair, rig)).status).toBe(401);
  };

  it('asks the database nothing per request: a thousand checks, zero queries', async () => {
    const pair = await signIn('jon');
    calls.length = 0;
    for (let i = 0; i < 1000; i++) expect((await rig.gh.authenticate(bearer(pair)))?.user.id).toBeTruthy();
    expect(calls).toEqual([]);
  });

  it('refuses a signed-out session’s access token after the next poll', async () => {
    const pair = await signIn('jon');
    // Signed out on another instance: this process has not heard of it yet.
    await rig.store.revokeSession(pair.sessionId, 'logout', rig.clock());
    expect(await rig.gh.authenticate(bearer(pair))).not.toBeNull();
    await rig.gh.revocations.refresh();
    await expectRefused(pair);
  });

  it('refuses at once when the sign-out happened in this process', async () => {
    const pair = await signIn('jon');
    await rig.gh.sessions.logout({ refreshToken: pair.refreshToken }, META);
    // The store write itself started the refresh; no poll is needed.
    await vi.waitFor(() => expect(rig.gh.revocations.size).toBe(1));
    await expectRefused(pair);
  });

  it('refuses every token of a banned user, issued before the ban, from the user entry alone', async () => {
    const first = await signIn('ada');
    const second = await signIn('ada');
    const other = await signIn('jon');
    rig.clock.advance(2000);
    const user = await rig.store.findUserByUsername('ada');
    await rig.store.updateUser(user!.id, { status: 'banned', revokedBefore: rig.clock() }, rig.clock());
    await rig.gh.revocations.refresh();
    await expectRefused(first);
    await expectRefused(second);
    expect(await rig.gh.authenticate(bearer(other))).not.toBeNull();
  });

  it('refuses the session’s access token once reuse detection has revoked it', async () => {
    const pair = await signIn('jon');
    await rig.gh.sessions.refresh(pair.refreshToken, META);
    rig.clock.advance(11_000);
    await expect(rig.gh.sessions.refresh(pair.refreshToken, META)).rejects.toMatchObject({
      reason: 'reuse_detected',
    });
    await rig.gh.revocations.refresh();
    await expectRefused(pair);
  });

  it('forgets revocations once every token they could refuse has expired', async () => {
    const pair = await signIn('jon');
    await rig.store.revokeSession(pair.sessionId, 'logout', rig.clock());
    await rig.gh.revocations.refresh();
    expect(rig.gh.revocations.size).toBe(1);
    rig.clock.advance((900 + 61) * 1000);
    await rig.gh.revocations.refresh();
    expect(rig.gh.revocations.size).toBe(0);
  });
});

describe('the revocation feed', () => {
  let rig: TestRig;
  beforeEach(async () => {
    rig = await makeRig({ AUTH_ACCESS_TTL: '900' });
    await rig.addUser('jon', { password: 'jon-password-1' });
  });
  afterEach(() => rig.cleanup());

  const feed = async (query = '', header?: string | null) => {
    const headers = new Headers();
    const value =
      header === undefined
        ? await signInternal(
            rig.keyring.macs.internal,
            REVOCATION_FEED_HEADER,
            REVOCATION_FEED_VALUE,
            rig.clock(),
          )
        : header;
    if (value !== null) headers.set(REVOCATION_FEED_HEADER, value);
    return handleRevocations(
      new Request(`http://gatehouse.test/api/auth/revocations${query}`, { headers }),
      rig.gh,
    );
  };

  it('answers the middleware with the revocations since a time', async () => {
    const pair = await rig.gh.sessions.login('jon', 'jon-password-1', META);
    await rig.store.revokeSession(pair.sessionId, 'logout', rig.clock());
    const res = await feed();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(await res.json()).toEqual({
      now: rig.clock(),
      sessions: [[pair.sessionId, rig.clock()]],
      users: [],
    });
    expect(await (await feed(`?since=${rig.clock() + 1}`)).json()).toMatchObject({ sessions: [] });
  });

  it('gives anyone else nothing: no header, a forged one, an old one, another purpose’s', async () => {
    const key = rig.keyring.macs.internal;
    const old = await signInternal(key, REVOCATION_FEED_HEADER, REVOCATION_FEED_VALUE, rig.clock() - 120_000);
    const otherPurpose = await signInternal(key, 'x-gatehouse-client', REVOCATION_FEED_VALUE, rig.clock());
    const forged = `${REVOCATION_FEED_VALUE};${rig.clock()};AAAAAAAAAAAAAAAAAAAAAA`;
    for (const header of [null, '', 'revocations', forged, old, otherPurpose]) {
      const res = await feed('', header);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    }
    // A malformed `since` answers the same, even with a good signature.
    for (const since of ['?since=abc', '?since=-1', '?since=1e9', `?since=${'9'.repeat(20)}`]) {
      expect((await feed(since)).status).toBe(404);
    }
  });
});

describe('revocation across instances on one PostgreSQL', () => {
  it('reaches an instance that did not revoke, at its next poll', async () => {
    const schema = freshSchema();
    const [storeA, storeB] = await Promise.all([
      openPostgresStore(POSTGRES_URL, { schema, max: 2 }),
      openPostgresStore(POSTGRES_URL, { schema, max: 2 }),
    ]);
    try {
      const a = await makeRig({ AUTH_ACCESS_TTL: '900' }, storeA);
      const b = await makeRig({ AUTH_ACCESS_TTL: '900' }, storeB);
      await a.addUser('jon', { password: 'jon-password-1' });
      b.clock.set(a.clock());
      const pair = await a.gh.sessions.login('jon', 'jon-password-1', META);
      await b.gh.revocations.refresh();
      expect(await b.gh.authenticate(bearer(pair))).not.toBeNull();
      await a.gh.sessions.logout({ refreshToken: pair.refreshToken }, META);
      expect(await b.gh.authenticate(bearer(pair))).not.toBeNull();
      await b.gh.revocations.refresh();
      await expect(b.gh.authenticate(bearer(pair))).rejects.toMatchObject({ reason: 'revoked' });
    } finally {
      await Promise.all([storeA.close(), storeB.close()]);
      await dropSchema(schema);
    }
  });
});

describe('a sign-in racing the end of an account', () => {
  /** A hasher whose verifications wait until `release()`: a sign-in held mid-hash. */
  function heldHasher() {
    const inner = cheapHasher();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const verifying = new Promise<void>((resolve) => {
      started = resolve;
    });
    return {
      release,
      verifying,
      hasher: {
        ...inner,
        async verify(hash: string, password: string) {
          started();
          await gate;
          return inner.verify(hash, password);
        },
      },
    };
  }

  let rig: TestRig;
  let held: ReturnType<typeof heldHasher>;
  beforeEach(async () => {
    held = heldHasher();
    rig = await makeRig({ AUTH_ACCESS_TTL: '900' }, undefined, { hasher: held.hasher });
    await rig.addUser('ada', { password: 'old-password-1' });
    await rig.addUser('jon', { password: 'jon-password-1', admin: true });
  });
  afterEach(() => rig.cleanup());

  const ada = async () => (await rig.store.findUserByUsername('ada'))!;

  it('gets no session when the password changed while it was hashing the old one', async () => {
    const signIn = rig.gh.sessions.login('ada', 'old-password-1', META);
    await held.verifying;
    await setPassword(
      { store: rig.store, hasher: cheapHasher(), clock: rig.clock },
      await ada(),
      'new password 1',
      {
        reason: 'password_reset',
        everywhere: true,
      },
    );
    rig.clock.advance(1);
    held.release();
    await expect(signIn).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(await rig.store.listSessions((await ada()).id)).toEqual([]);
  });

  it('gets no session when the account was banned while it was hashing', async () => {
    const signIn = rig.gh.sessions.login('ada', 'old-password-1', META);
    await held.verifying;
    const now = rig.clock();
    await rig.store.updateUser((await ada()).id, { status: 'banned', revokedBefore: now }, now);
    await rig.store.revokeUserSessions((await ada()).id, 'user_banned', now);
    held.release();
    await expect(signIn).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(await rig.store.listSessions((await ada()).id)).toEqual([]);
  });

  it('refuses to refresh a session older than the account’s cut-off, even one its revocation missed', async () => {
    held.release();
    const pair = await rig.gh.sessions.login('ada', 'old-password-1', META);
    rig.clock.advance(1000);
    // The cut-off alone, as if the per-session revocation had not reached this row.
    await rig.store.updateUser(pair.user.id, { revokedBefore: rig.clock() }, rig.clock());
    await expect(rig.gh.sessions.refresh(pair.refreshToken, META)).rejects.toMatchObject({
      code: 'invalid_grant',
    });
    expect((await rig.store.findSession(pair.sessionId))?.revokedAt).not.toBeNull();
  });
});
