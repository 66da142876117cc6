import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLimiterBackend, TABLE, type LimiterBackend } from '../store/limiters';
import { DEFAULTS, type ThrottleConfig } from '../edge/config';
import { deviceCookieName, issueDeviceToken } from './device-cookie';
import { ServerBusyError, TooManyAttemptsError } from '../edge/errors';
import { deriveKeyring, type Keyring } from '../edge/keys';
import { cryptoRandom } from '../edge/random';
import { accountHash, createThrottle, type CounterSource, type Throttle } from './throttle';

/**
 * The throttle's policy, attacked. Time is frozen (rate-limiter-flexible reads Date.now, so
 * advancing the fake clock ends windows and blocks) and nothing sleeps. The whole suite runs
 * on the in-memory counters and once more on a real SQLite file.
 */
const SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let ring: Keyring;
beforeAll(async () => {
  ring = await deriveKeyring(SECRET);
});

/** A distinct IPv4 address per number, from a range no other test uses. */
const ip = (n: number) => `10.${(n >> 8) & 255}.${n & 255}.1`;

async function refusal(promise: Promise<unknown>): Promise<TooManyAttemptsError> {
  const error = await promise.then(
    () => 'allowed',
    (e: unknown) => e,
  );
  expect(error, 'expected the attempt to be refused').toBeInstanceOf(TooManyAttemptsError);
  return error as TooManyAttemptsError;
}

function throttleSuite(name: string, open: () => Promise<{ backend: LimiterBackend; cleanup: () => void }>) {
  describe(`sign-in throttle on ${name}`, () => {
    let backend: LimiterBackend;
    let cleanup: () => void;
    let throttle: Throttle;
    let nextIp: number;
    const make = (config: Partial<ThrottleConfig> = {}, cookieSecure = false) =>
      createThrottle({
        counters: backend,
        keys: ring.macs,
        config: { ...DEFAULTS.throttle, ...config },
        cookieSecure,
        clock: () => Date.now(),
        random: cryptoRandom,
      });

    beforeEach(async () => {
      vi.useFakeTimers({ now: T0 });
      ({ backend, cleanup } = await open());
      throttle = make();
      nextIp = 1;
    });
    afterEach(async () => {
      await backend.close();
      cleanup();
      vi.useRealTimers();
    });

    const begin = (
      username: string,
      address: string | null,
      cookies: Record<string, string> = {},
      passwordEpoch: number | null = null,
    ) => throttle.begin({ username, ip: address, readCookie: (n) => cookies[n], passwordEpoch });
    const fail = async (username: string, address: string | null, cookies?: Record<string, string>) =>
      (await begin(username, address, cookies)).failed();
    /** `n` failures on one account, each from a new address (so only the account counter fills). */
    const failFromEverywhere = async (username: string, n: number) => {
      for (let i = 0; i < n; i++) await fail(username, ip(nextIp++));
    };
    const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

    describe('per account', () => {
      it('refuses the 11th consecutive failure, whatever address it comes from', async () => {
        await failFromEverywhere('jon', 10);
        const refused = await refusal(begin('jon', ip(nextIp++)));
        expect(refused).toMatchObject({ status: 429, code: 'too_many_attempts', retryAfter: 60 });
        // Other accounts are not affected.
        await expect(begin('ada', ip(nextIp++))).resolves.toBeDefined();
      });

      it('counts JON, jon and full-width ｊｏｎ as one account', async () => {
        expect(await accountHash(ring.macs.account, 'JON')).toBe(await accountHash(ring.macs.account, 'jon'));
        expect(await accountHash(ring.macs.account, 'ｊｏｎ')).toBe(
          await accountHash(ring.macs.account, 'jon'),
        );
        const forms = ['JON', 'jon', 'ｊｏｎ', 'Jon', 'ＪＯＮ'];
        for (let i = 0; i < 10; i++) await fail(forms[i % forms.length]!, ip(nextIp++));
        await refusal(begin('jOn', ip(nextIp++)));
        await refusal(begin('ｊｏｎ', ip(nextIp++)));
      });

      it('limits unknown usernames exactly like known ones', async () => {
        // The throttle has no store to ask: "jon" exists elsewhere in these tests, the other never.
        const trace = async (username: string) => {
          const outcomes: (number | 'ok')[] = [];
          for (let i = 0; i < 12; i++) {
            const address = i < 6 ? '192.0.2.1' : ip(nextIp++);
            outcomes.push(
              await begin(username, address).then(
                async (a) => (await a.failed(), 'ok' as const),
                (e: TooManyAttemptsError) => e.retryAfter,
              ),
            );
          }
          return outcomes;
        };
        const known = await trace('jon');
        const unknown = await trace('no-such-user-3f9a');
        expect(unknown).toEqual(known);
        expect(known).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 60, 'ok', 'ok', 'ok', 'ok', 'ok', 60]);
      });

      it('a success resets the consecutive failures', async () => {
        await failFromEverywhere('jon', 9);
        await (await begin('jon', ip(nextIp++))).succeeded();
        await failFromEverywhere('jon', 10);
        await refusal(begin('jon', ip(nextIp++)));
      });

      it('a parallel burst of 30 lets exactly 10 through', async () => {
        const burst = await Promise.allSettled(Array.from({ length: 30 }, () => begin('jon', ip(nextIp++))));
        const allowed = burst.filter((r) => r.status === 'fulfilled');
        const refused = burst.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
        expect(allowed).toHaveLength(10);
        expect(refused).toHaveLength(20);
        for (const error of refused) {
          expect(error).toBeInstanceOf(TooManyAttemptsError);
          expect((error as TooManyAttemptsError).retryAfter).toBeGreaterThanOrEqual(1);
          expect((error as TooManyAttemptsError).retryAfter).toBeLessThanOrEqual(DEFAULTS.throttle.blockMax);
        }
        // Once the burst settles, the block is the ordinary one.
        expect((await refusal(begin('jon', ip(nextIp++)))).retryAfter).toBe(60);
      });

      it('a refused attempt tested no password, so it is not charged to its address', async () => {
        await failFromEverywhere('jon', 10);
        const c = '192.0.2.77';
        for (let i = 0; i < 3; i++) await refusal(begin('jon', c));
        await advance(60_000);
        // The pair (jon, c) still has all 5 of its failures.
        for (let i = 0; i < 5; i++) await fail('jon', c);
        await refusal(begin('jon', c));
      });
    });

    describe('backoff', () => {
      it('doubles each block of the same key, 60 → 120 → 240 … up to blockMax, and Retry-After counts down', async () => {
        const expected = [60, 120, 240, 480, 960, 1920, 3600, 3600];
        for (const seconds of expected) {
          await failFromEverywhere('jon', 10);
          expect((await refusal(begin('jon', ip(nextIp++)))).retryAfter).toBe(seconds);
          await advance((seconds / 2) * 1000);
          expect((await refusal(begin('jon', ip(nextIp++)))).retryAfter).toBe(seconds / 2);
          await advance((seconds / 2) * 1000 - 1000);
          expect((await refusal(begin('jon', ip(nextIp++)))).retryAfter).toBe(1);
          await advance(1000);
        }
      });

      it('forgets earlier blocks after a day', async () => {
        await failFromEverywhere('jon', 10);
        expect((await refusal(begin('jon', ip(nextIp++)))).retryAfter).toBe(60);
        await advance(MIN);
        await failFromEverywhere('jon', 10);
        expect((await refusal(begin('jon', ip(nextIp++)))).retryAfter).toBe(120);
        await advance(DAY);
        await failFromEverywhere('jon', 10);
        expect((await refusal(begin('jon', ip(nextIp++)))).retryAfter).toBe(60);
      });

      it('honours the configured block lengths', async () => {
        throttle = make({ blockMin: 10, blockMax: 25 });
        const seen: number[] = [];
        for (let round = 0; round < 4; round++) {
          await failFromEverywhere('jon', 10);
          const wait = (await refusal(begin('jon', ip(nextIp++)))).retryAfter;
          seen.push(wait);
          await advance(wait * 1000);
        }
        expect(seen).toEqual([10, 20, 25, 25]);
      });
    });

    describe('per (account, address)', () => {
      it('refuses the 6th failure from one address while another address can still try', async () => {
        for (let i = 0; i < 5; i++) await fail('jon', '192.0.2.1');
        expect((await refusal(begin('jon', '192.0.2.1'))).retryAfter).toBe(60);
        await expect(begin('jon', '192.0.2.2')).resolves.toBeDefined();
        // The same address can still try other accounts.
        await expect(begin('ada', '192.0.2.1')).resolves.toBeDefined();
      });

      it('a success resets the pair', async () => {
        for (let i = 0; i < 4; i++) await fail('jon', '192.0.2.1');
        await (await begin('jon', '192.0.2.1')).succeeded();
        for (let i = 0; i < 5; i++) await fail('jon', '192.0.2.1');
        await refusal(begin('jon', '192.0.2.1'));
      });

      it('a parallel burst from one address lets exactly 5 through', async () => {
        const burst = await Promise.allSettled(Array.from({ length: 20 }, () => begin('jon', '192.0.2.1')));
        expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
        expect(
          burst.filter((r) => r.status === 'rejected' && r.reason instanceof TooManyAttemptsError),
        ).toHaveLength(15);
      });

      it('counts an address without a known client as one "unknown" address', async () => {
        for (let i = 0; i < 5; i++) await fail('jon', null);
        await refusal(begin('jon', null));
        await refusal(begin('jon', 'garbage'));
      });
    });

    describe('per address, across usernames', () => {
      it('refuses the 31st different username from one address, then any username, but not elsewhere', async () => {
        for (let i = 0; i < 30; i++) await fail(`user${i}`, '192.0.2.9');
        expect((await refusal(begin('user30', '192.0.2.9'))).retryAfter).toBe(60);
        // Names already tried from there are refused too: the address is blocked.
        await refusal(begin('user0', '192.0.2.9'));
        await expect(begin('user30', '192.0.2.10')).resolves.toBeDefined();
      });

      it('counts each username once, however often it is retried', async () => {
        for (let i = 0; i < 4; i++) await fail('jon', '192.0.2.9');
        for (let i = 1; i < 30; i++) await fail(`user${i}`, '192.0.2.9');
        await refusal(begin('user30', '192.0.2.9'));
      });

      it('counts IPv6 addresses of one /64 as one address', async () => {
        for (let i = 0; i < 30; i++) await fail(`user${i}`, `2001:db8:1:2::${(i + 1).toString(16)}`);
        await refusal(begin('user30', '2001:db8:1:2:ffff:ffff:ffff:fffe'));
        await refusal(begin('user31', '2001:db8:1:2::1:1'));
        await expect(begin('user30', '2001:db8:1:3::1')).resolves.toBeDefined();
      });

      it('forgets after an hour', async () => {
        for (let i = 0; i < 30; i++) await fail(`user${i}`, '192.0.2.9');
        await advance(HOUR);
        await expect(begin('user30', '192.0.2.9')).resolves.toBeDefined();
      });

      it('a success takes its username off the count', async () => {
        for (let i = 0; i < 29; i++) await fail(`user${i}`, '192.0.2.9');
        await fail('jon', '192.0.2.9');
        await (await begin('jon', '192.0.2.9')).succeeded();
        await fail('user29', '192.0.2.9');
        await refusal(begin('user30', '192.0.2.9'));
      });
    });

    describe('device cookies', () => {
      /** Jon signs in at home and keeps the cookie the throttle hands out. */
      const jonsBrowser = async () => {
        const cookie = await (await begin('jon', '198.51.100.7')).succeeded();
        return { [cookie.name]: cookie.value };
      };

      it('hand out a signed per-account cookie on success', async () => {
        const hash = await accountHash(ring.macs.account, 'jon');
        const cookie = await (await begin('JON', '198.51.100.7')).succeeded();
        expect(cookie).toMatchObject({ name: deviceCookieName(hash, false), maxAge: 180 * 86_400 });
        expect(cookie.value).toMatch(/^[\w-]{22}\.\d+\.[\w-]{43}$/);
        throttle = make({}, true);
        expect((await (await begin('jon', '198.51.100.7')).succeeded()).name).toBe(
          `__Host-gatehouse-device-${hash.slice(0, 12)}`,
        );
      });

      it('let the real user in while an attacker has the account blocked', async () => {
        const cookies = await jonsBrowser();
        await failFromEverywhere('jon', 10);
        await refusal(begin('jon', ip(nextIp++)));

        const attempt = await begin('jon', '198.51.100.7', cookies);
        expect(attempt.knownDevice).toBe(true);
        await attempt.succeeded();
        // His success reset his device, not the account: the attacker is still blocked.
        await refusal(begin('jon', ip(nextIp++)));
        await refusal(begin('jon', '198.51.100.7'));
      });

      it('do not help when forged, expired, or issued for another account', async () => {
        const cookies = await jonsBrowser();
        const [name, value] = Object.entries(cookies)[0]!;
        await failFromEverywhere('jon', 10);

        const [nonce, expiry, tag] = value.split('.') as [string, string, string];
        const forged = `${nonce}.${Number(expiry) + 86_400}.${tag}`;
        const hash = await accountHash(ring.macs.account, 'jon');
        const expired = await issueDeviceToken(ring.macs.device, hash, {
          now: Date.now() - 181 * DAY,
          random: cryptoRandom,
          passwordEpoch: null,
        });
        const adas = (await (await begin('ada', '198.51.100.8')).succeeded()).value;
        for (const bad of [forged, expired, adas, 'x.y.z', '']) {
          await refusal(begin('jon', '198.51.100.7', { [name]: bad }));
        }
        // The genuine one still works.
        await expect(begin('jon', '198.51.100.7', cookies)).resolves.toMatchObject({ knownDevice: true });
      });

      it('have their own limit, leaving the account counter alone', async () => {
        const cookies = await jonsBrowser();
        // A stolen cookie, tried from many addresses.
        for (let i = 0; i < 10; i++) await fail('jon', ip(nextIp++), cookies);
        expect((await refusal(begin('jon', ip(nextIp++), cookies))).retryAfter).toBe(60);
        // The account's own allowance is untouched.
        await failFromEverywhere('jon', 10);
        await refusal(begin('jon', ip(nextIp++)));
      });

      it('keep the real user in even when the attacker shares his address (a NAT)', async () => {
        const cookies = await jonsBrowser();
        // From Jon's own address: five guesses at jon, then a spraying run.
        for (let i = 0; i < 5; i++) await fail('jon', '198.51.100.7');
        for (let i = 0; i < 31; i++) await fail(`user${i}`, '198.51.100.7').catch(() => undefined);
        await refusal(begin('jon', '198.51.100.7'));
        await refusal(begin('user99', '198.51.100.7'));
        // Jon's browser is counted as his device, not by the address it shares.
        await expect(begin('jon', '198.51.100.7', cookies)).resolves.toMatchObject({ knownDevice: true });
      });

      it('bound every device of an account together: cookies minted while a password was known bring no fresh allowance', async () => {
        // Someone who once knew the password collects device cookies…
        const minted = [];
        for (let i = 0; i < 6; i++) minted.push(await jonsBrowser());
        // …and later guesses through them: each device has its own 10, all of them 50 a day.
        let allowed = 0;
        for (const cookies of minted) {
          for (let i = 0; i < 10; i++) {
            const attempt = await begin('jon', ip(nextIp++), cookies).catch(() => null);
            if (!attempt) break;
            allowed++;
            await attempt.failed();
          }
        }
        expect(allowed).toBe(50);
        await refusal(begin('jon', ip(nextIp++), minted[5]!));
      });

      it('keep their nonce (and so their counter) when a known device signs in again', async () => {
        const cookies = await jonsBrowser();
        const [name, value] = Object.entries(cookies)[0]!;
        const renewed = await (await begin('jon', '198.51.100.7', cookies)).succeeded();
        expect(renewed.name).toBe(name);
        expect(renewed.value.split('.')[0]).toBe(value.split('.')[0]);
      });

      it('stop counting when the password changes: the browser is charged like any other again', async () => {
        const cookies = await jonsBrowser();
        const changedAt = Date.now() - MIN;
        await failFromEverywhere('jon', 10);
        const attempt = await refusal(begin('jon', '198.51.100.7', cookies, changedAt));
        expect(attempt.retryAfter).toBe(60);
        // Under the epoch it was minted for, it still would have counted.
        await expect(begin('jon', '198.51.100.7', cookies, null)).resolves.toMatchObject({
          knownDevice: true,
        });
      });

      it('a success that changed the password mints the browser a new device for the new password', async () => {
        const cookies = await jonsBrowser();
        const [name, value] = Object.entries(cookies)[0]!;
        const changedAt = Date.now();
        const attempt = await begin('jon', '198.51.100.7', cookies, null);
        expect(attempt.knownDevice).toBe(true);
        const fresh = await attempt.succeeded({ passwordEpoch: changedAt });
        expect(fresh.name).toBe(name);
        expect(fresh.value.split('.')[0]).not.toBe(value.split('.')[0]);
        const again = await begin('jon', '198.51.100.7', { [name]: fresh.value }, changedAt);
        expect(again.knownDevice).toBe(true);
        await again.abandoned();
        await expect(begin('jon', '198.51.100.7', cookies, changedAt)).resolves.toMatchObject({
          knownDevice: false,
        });
      });
    });

    describe('attempts', () => {
      it('an abandoned attempt (no password checked) is refunded without resetting anything', async () => {
        await failFromEverywhere('jon', 5);
        for (let i = 0; i < 20; i++) await (await begin('jon', '192.0.2.1')).abandoned();
        await failFromEverywhere('jon', 5);
        await refusal(begin('jon', ip(nextIp++)));
      });

      it('settle once', async () => {
        const attempt = await begin('jon', '192.0.2.1');
        await attempt.failed();
        await expect(attempt.succeeded()).rejects.toThrow(/already settled/);
        await expect(attempt.failed()).rejects.toThrow(/already settled/);
      });
    });

    describe('refresh', () => {
      it('refuses an address after more than config.refresh failed refreshes in ten minutes', async () => {
        for (let i = 0; i < 60; i++) await throttle.refreshFailed('192.0.2.1');
        await expect(throttle.checkRefresh('192.0.2.1')).resolves.toBeUndefined();
        await throttle.refreshFailed('192.0.2.1');
        const refused = await refusal(throttle.checkRefresh('192.0.2.1'));
        expect(refused.retryAfter).toBe(600);
        await advance(4 * MIN);
        expect((await refusal(throttle.checkRefresh('192.0.2.1'))).retryAfter).toBe(360);
        await expect(throttle.checkRefresh('192.0.2.2')).resolves.toBeUndefined();
        await advance(6 * MIN);
        await expect(throttle.checkRefresh('192.0.2.1')).resolves.toBeUndefined();
      });

      it('counts failed passkey sign-ins on a counter of their own, with the same limit', async () => {
        throttle = make({ refresh: 3 });
        for (let i = 0; i < 4; i++) await throttle.passkeyFailed('192.0.2.1');
        expect((await refusal(throttle.checkPasskey('192.0.2.1'))).retryAfter).toBe(600);
        await expect(throttle.checkRefresh('192.0.2.1')).resolves.toBeUndefined();
        for (let i = 0; i < 4; i++) await throttle.refreshFailed('192.0.2.2');
        await expect(throttle.checkPasskey('192.0.2.2')).resolves.toBeUndefined();
      });

      it('counts IPv6 per /64, and leaves sign-in alone', async () => {
        throttle = make({ refresh: 3 });
        for (let i = 1; i <= 4; i++) await throttle.refreshFailed(`2001:db8:7:7::${i}`);
        await refusal(throttle.checkRefresh('2001:db8:7:7::99'));
        await expect(throttle.checkRefresh('2001:db8:7:8::1')).resolves.toBeUndefined();
        await expect(begin('jon', '2001:db8:7:7::99')).resolves.toBeDefined();
      });
    });
  });
}

throttleSuite('in-memory counters', async () => ({
  backend: await openLimiterBackend({ kind: 'memory' }),
  cleanup: () => undefined,
}));

throttleSuite('SQLite counters', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-throttle-'));
  return {
    backend: await openLimiterBackend({ kind: 'sqlite', path: join(dir, 'gatehouse.db') }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('sign-in throttle and its store', () => {
  it('never writes a username to the store, only keyed hashes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-throttle-'));
    const path = join(dir, 'gatehouse.db');
    const backend = await openLimiterBackend({ kind: 'sqlite', path });
    try {
      const throttle = createThrottle({
        counters: backend,
        keys: ring.macs,
        config: DEFAULTS.throttle,
        cookieSecure: false,
        clock: () => Date.now(),
        random: cryptoRandom,
      });
      for (const name of ['jonathan', 'JONATHAN', 'correct horse battery staple']) {
        await (
          await throttle.begin({
            username: name,
            ip: '192.0.2.1',
            readCookie: () => undefined,
            passwordEpoch: null,
          })
        ).failed();
      }
      const db = new Database(path, { readonly: true });
      const keys = db.prepare(`SELECT key FROM ${TABLE}`).pluck().all() as string[];
      db.close();
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(key.toLowerCase()).not.toMatch(/jonathan|horse|correct/);
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('when the counters are unavailable', () => {
    const failing: CounterSource = {
      limiter: () =>
        new Proxy({} as never, {
          get: () => () => Promise.reject(new Error('ECONNREFUSED')),
        }),
    };
    const errors: unknown[] = [];
    const throttle = () =>
      createThrottle({
        counters: failing,
        keys: ring.macs,
        config: DEFAULTS.throttle,
        cookieSecure: false,
        clock: () => Date.now(),
        random: cryptoRandom,
        onError: (e) => errors.push(e),
      });

    it('sign-in fails closed: 503 with Retry-After, the cause kept', async () => {
      const error = await throttle()
        .begin({ username: 'jon', ip: '192.0.2.1', readCookie: () => undefined, passwordEpoch: null })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ServerBusyError);
      expect(error).toMatchObject({ status: 503, code: 'server_busy', retryAfter: 5 });
      expect((error as Error).cause).toMatchObject({ message: 'ECONNREFUSED' });
    });

    it('refresh fails open, and reports the error', async () => {
      errors.length = 0;
      const t = throttle();
      await expect(t.checkRefresh('192.0.2.1')).resolves.toBeUndefined();
      await expect(t.refreshFailed('192.0.2.1')).resolves.toBeUndefined();
      await expect(t.checkPasskey('192.0.2.1')).resolves.toBeUndefined();
      await expect(t.passkeyFailed('192.0.2.1')).resolves.toBeUndefined();
      expect(errors).toHaveLength(4);
    });
  });
});
