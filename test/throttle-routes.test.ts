import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handleLogin } from '../lib/http/handlers/login';
import { handleToken } from '../lib/http/handlers/token';
import type { PasswordHasher } from '../lib/auth/passwords';
import { Redis } from 'ioredis';
import { openLimiterBackend } from '../lib/store/limiters';
import { cheapHasher, makeRig, tempSqlite, type TestRig } from './helpers';

/**
 * Sign-in throttling through the real route handlers: what a JSON client, a browser form and
 * the token endpoint see, and that a refused attempt changes nothing and hashes nothing.
 */
const ORIGIN = 'http://gatehouse.test';

function login(body: Record<string, string>, headers: Record<string, string> = {}, form = false): Request {
  const h = new Headers({ host: 'gatehouse.test', ...headers });
  h.set('content-type', form ? 'application/x-www-form-urlencoded' : 'application/json');
  // A browser's form post (no JavaScript) says so with Origin; it expects a page back.
  if (form) h.set('origin', ORIGIN);
  return new Request(`${ORIGIN}/api/auth/login`, {
    method: 'POST',
    headers: h,
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
}

/** A hasher that counts verifications, so tests can prove a refused attempt hashed nothing. */
function countingHasher(): PasswordHasher & { verifies: number } {
  const inner = cheapHasher();
  const counted = {
    verifies: 0,
    hash: inner.hash,
    needsRehash: inner.needsRehash,
    async verify(hash: string, password: string) {
      counted.verifies++;
      return inner.verify(hash, password);
    },
    async verifyDummy(password: string) {
      counted.verifies++;
      return inner.verifyDummy(password);
    },
  };
  return counted;
}

describe('sign-in throttling at the route handlers', () => {
  let rig: TestRig;
  let hasher: ReturnType<typeof countingHasher>;
  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  beforeEach(async () => {
    hasher = countingHasher();
    rig = await makeRig({}, undefined, { hasher });
    await rig.addUser('jon', { name: 'Jon Doe', password: 'correct horse battery' });
  });
  afterEach(() => rig.cleanup());

  it('answers the 6th wrong password from one address with 429, Retry-After and too_many_attempts, before hashing', async () => {
    for (let i = 0; i < 5; i++) {
      expect(
        (await handleLogin(login({ username: 'jon', password: `nope${i}` }, from('203.0.113.5')), rig.gh))
          .status,
      ).toBe(401);
    }
    const verifiesBefore = hasher.verifies;
    const eventsBefore = await rig.store.listEvents();
    const res = await handleLogin(
      login({ username: 'JON', password: 'correct horse battery' }, from('203.0.113.5')),
      rig.gh,
    );
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await res.json()).toMatchObject({ error: 'too_many_attempts', retry_after: 60 });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(hasher.verifies).toBe(verifiesBefore);
    expect(await rig.store.listEvents()).toEqual(eventsBefore);
    // Another address may still try the account (its own pair counter; the account has 5 left).
    expect(
      (
        await handleLogin(
          login({ username: 'jon', password: 'correct horse battery' }, from('198.51.100.7')),
          rig.gh,
        )
      ).status,
    ).toBe(200);
  });

  it('sends a form post that is refused back to /login with the wait, and keeps next', async () => {
    for (let i = 0; i < 5; i++)
      await handleLogin(login({ username: 'jon', password: 'x' }, from('203.0.113.9'), true), rig.gh);
    const res = await handleLogin(
      login({ username: 'jon', password: 'x', next: '/admin' }, from('203.0.113.9'), true),
      rig.gh,
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?error=too_many_attempts&retry_after=60&next=%2Fadmin');
  });

  it('limits unknown usernames exactly like known ones (the limiter reveals nothing)', async () => {
    const statuses = async (username: string, ip: string) => {
      const out: number[] = [];
      for (let i = 0; i < 7; i++)
        out.push((await handleLogin(login({ username, password: 'x' }, from(ip)), rig.gh)).status);
      return out;
    };
    expect(await statuses('nobody-here', '203.0.113.20')).toEqual(await statuses('jon', '203.0.113.21'));
  });

  it('a browser with a device cookie from an earlier sign-in gets in while the account is under attack', async () => {
    const first = await handleLogin(
      login({ username: 'jon', password: 'correct horse battery' }, from('192.0.2.1')),
      rig.gh,
    );
    const device = first.headers.getSetCookie().find((c) => c.startsWith('gatehouse-device-'))!;
    expect(device).toMatch(/HttpOnly/);
    expect(device).toMatch(/Max-Age=15552000/);
    const deviceCookie = device.split(';')[0]!;
    // An attacker rotating addresses burns the account's 10 consecutive failures.
    for (let i = 0; i < 12; i++) {
      await handleLogin(
        login({ username: 'jon', password: `guess${i}` }, from(`198.51.100.${i + 1}`)),
        rig.gh,
      );
    }
    const stranger = await handleLogin(
      login({ username: 'jon', password: 'correct horse battery' }, from('192.0.2.1')),
      rig.gh,
    );
    expect(stranger.status).toBe(429);
    const jon = await handleLogin(
      login(
        { username: 'jon', password: 'correct horse battery' },
        { ...from('192.0.2.1'), cookie: deviceCookie },
      ),
      rig.gh,
    );
    expect(jon.status).toBe(200);
    // A forged device cookie is no way around the account limit.
    const forged = deviceCookie.replace(/=.*/, '=AAAAAAAAAAAAAAAAAAAAAA.9999999999.AAAAAAAAAAAAAAAAAAAAAA');
    const mallory = await handleLogin(
      login(
        { username: 'jon', password: 'correct horse battery' },
        { ...from('192.0.2.99'), cookie: forged },
      ),
      rig.gh,
    );
    expect(mallory.status).toBe(429);
  });

  it('answers 503 server_busy with Retry-After when every hashing slot and the queue are taken', async () => {
    const busy = await makeRig({ AUTH_HASH_CONCURRENCY: '1', AUTH_HASH_QUEUE: '0' }, undefined, {
      hasher: cheapHasher(),
    });
    try {
      await busy.addUser('jon', { password: 'correct horse battery' });
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          handleLogin(login({ username: 'jon', password: `p${i}` }, from(`203.0.113.${40 + i}`)), busy.gh),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toContain(503);
      const refused = results.find((r) => r.status === 503)!;
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((await refused.json()).error).toBe('server_busy');
      // A busy refusal tested no password, so it does not count against the account.
      for (let i = 0; i < 4; i++) {
        const ok = await handleLogin(
          login({ username: 'jon', password: 'correct horse battery' }, from('203.0.113.60')),
          busy.gh,
        );
        expect(ok.status).toBe(200);
      }
    } finally {
      await busy.cleanup();
    }
  });

  it('the token endpoint answers failed refreshes 429 past the per-address limit; good refreshes neither count nor get refused', async () => {
    const limited = await makeRig({ AUTH_THROTTLE_REFRESH: '3' });
    try {
      await limited.addUser('jon', { password: 'correct horse battery' });
      const token = (form: Record<string, string>, ip: string) =>
        handleToken(
          new Request(`${ORIGIN}/api/auth/token`, {
            method: 'POST',
            headers: {
              host: 'gatehouse.test',
              'content-type': 'application/x-www-form-urlencoded',
              ...from(ip),
            },
            body: new URLSearchParams(form).toString(),
          }),
          limited.gh,
        );
      const pair = await limited.gh.sessions.login('jon', 'correct horse battery', {
        ip: '203.0.113.70',
        userAgent: null,
      });
      // Good refreshes never count.
      let current = pair.refreshToken;
      for (let i = 0; i < 5; i++) {
        const res = await token({ refresh_token: current }, '203.0.113.70');
        expect(res.status).toBe(200);
        current = ((await res.json()) as { refresh_token: string }).refresh_token;
        limited.clock.advance(11_000);
      }
      for (let i = 0; i < 3; i++)
        expect((await token({ refresh_token: 'garbage' }, '203.0.113.70')).status).toBe(401);
      // Past the limit a refused refresh is answered 429 (and clears no cookies)…
      const refused = await token({ refresh_token: 'garbage' }, '203.0.113.70');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await refused.json()).error).toBe('too_many_attempts');
      expect(refused.headers.getSetCookie()).toEqual([]);
      // …but a good token from the same address (a NAT neighbour of the noisy client) still works.
      const good = await token({ refresh_token: current }, '203.0.113.70');
      expect(good.status).toBe(200);
    } finally {
      await limited.cleanup();
    }
  });

  it('records the relayed client address only when the middleware signed it', async () => {
    const { signInternal } = await import('../lib/edge/internal-header');
    const { CLIENT_ADDRESS_HEADER } = await import('../lib/edge/internal-header');
    const pair = await rig.gh.sessions.login('jon', 'correct horse battery', {
      ip: '127.0.0.1',
      userAgent: null,
    });
    const refreshFrom = async (relay: string) =>
      handleToken(
        new Request(`${ORIGIN}/api/auth/token`, {
          method: 'POST',
          headers: {
            host: 'gatehouse.test',
            'content-type': 'application/json',
            ...from('127.0.0.1'),
            [CLIENT_ADDRESS_HEADER]: relay,
          },
          body: JSON.stringify({ refresh_token: pair.refreshToken }),
        }),
        rig.gh,
      );
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await refreshFrom(`203.0.113.80;${rig.clock()};forged-mac-forged-mac`);
    expect((await rig.store.listEvents())[0]).toMatchObject({ type: 'refresh', ip: '127.0.0.1' });
    rig.clock.advance(11_000);
    const latest = await rig.store.findSession(pair.sessionId);
    const { sealRefreshToken } = await import('../lib/edge/refresh-token');
    const sealed = await sealRefreshToken(rig.keyring, {
      sid: pair.sessionId,
      gen: latest!.gen,
      sub: pair.user.id,
    });
    await handleToken(
      new Request(`${ORIGIN}/api/auth/token`, {
        method: 'POST',
        headers: {
          host: 'gatehouse.test',
          'content-type': 'application/json',
          ...from('127.0.0.1'),
          [CLIENT_ADDRESS_HEADER]: await signInternal(
            rig.keyring.macs.internal,
            CLIENT_ADDRESS_HEADER,
            '203.0.113.81',
            rig.clock(),
          ),
        },
        body: JSON.stringify({ refresh_token: sealed }),
      }),
      rig.gh,
    );
    expect((await rig.store.listEvents())[0]).toMatchObject({ type: 'refresh', ip: '203.0.113.81' });
  });
});

describe('sign-in counters shared through Redis (REDIS_URL), as several instances use them', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `gatehouse-test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

  it('failures on one instance count on the other: the 6th from one address is refused wherever it lands', async () => {
    const [a, b] = await Promise.all([
      openLimiterBackend({ kind: 'redis', url, prefix }),
      openLimiterBackend({ kind: 'redis', url, prefix }),
    ]);
    const store = await tempSqlite();
    const one = await makeRig({}, store.store, { counters: a });
    const two = await makeRig({}, store.store, { counters: b });
    try {
      await one.addUser('jon', { password: 'correct horse battery' });
      const attempt = (rig: TestRig) =>
        handleLogin(
          login({ username: 'jon', password: 'wrong' }, { 'x-forwarded-for': '203.0.113.90' }),
          rig.gh,
        );
      const statuses = [];
      for (const rig of [one, two, one, two, one, two]) statuses.push((await attempt(rig)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      // Accounts appear in Redis only as keyed hashes, never as the username typed.
      const client = new Redis(url);
      const keys = await client.keys(`${prefix}:*`);
      await client.quit();
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.join(' ')).not.toMatch(/jon/i);
    } finally {
      await Promise.all([a.close(), b.close()]);
      const client = new Redis(url);
      const keys = await client.keys(`${prefix}:*`);
      if (keys.length) await client.del(...keys);
      await client.quit();
      await store.cleanup();
    }
  });
});
