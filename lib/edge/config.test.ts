import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseConfig, redactUrl, secretWeakness } from './config';
import { ConfigError } from './errors';

const SECRET = 'Vq3x9LkP2mZr8TnW5yHc7JdB4fGs6AeQ';
const SECRET2 = 'Hn4rT8wLq2ZxK9vPc5MjB7yGd3FsA6eU';
const SECRET3 = 'b7Kp2Qx9Lm4Zt8Wr3Nc6Vy5Hd1Jf0Gs2Ae7Tq';

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const c = parseConfig({ AUTH_SECRET: SECRET });
    expect(c).toMatchObject({
      secret: SECRET,
      demo: false,
      accessTtl: 900,
      refreshTtl: 86_400,
      sessionMaxAge: 30 * 86_400,
      refreshGrace: 10,
      internalUrl: 'http://127.0.0.1:3000',
      issuer: DEFAULTS.issuer,
      audience: DEFAULTS.audience,
      database: { kind: 'sqlite', path: '.data/gatehouse.db' },
      cookieSecure: false,
      cookieNames: { access: 'gatehouse-access', refresh: 'gatehouse-refresh' },
    });
  });

  it('reads every variable', () => {
    const c = parseConfig({
      AUTH_SECRET: SECRET,
      AUTH_SECRET_PREVIOUS: `${SECRET2}, ${SECRET3}`,
      DATABASE_URL: 'file:/tmp/x.db',
      AUTH_ACCESS_TTL: '60',
      AUTH_REFRESH_TTL: '3600',
      AUTH_SESSION_MAX_AGE: '7200',
      AUTH_REFRESH_GRACE: '0',
      AUTH_INTERNAL_URL: 'http://10.0.0.5:8080/ignored/path',
      AUTH_ISSUER: 'https://auth.example',
      AUTH_AUDIENCE: 'app',
      AUTH_COOKIE_SECURE: 'true',
    });
    expect(c).toMatchObject({
      previousSecrets: [SECRET2, SECRET3],
      database: { kind: 'sqlite', path: '/tmp/x.db' },
      accessTtl: 60,
      refreshTtl: 3600,
      sessionMaxAge: 7200,
      refreshGrace: 0,
      internalUrl: 'http://10.0.0.5:8080',
      issuer: 'https://auth.example',
      audience: 'app',
      cookieNames: { access: '__Host-gatehouse-access', refresh: '__Host-gatehouse-refresh' },
    });
  });

  it('uses PORT for the default internal URL', () => {
    expect(parseConfig({ AUTH_SECRET: SECRET, PORT: '4123' }).internalUrl).toBe('http://127.0.0.1:4123');
  });

  it('is the demo only under AUTH_DEMO=1 without AUTH_SECRET, using the generated demo secret', () => {
    const demo = parseConfig({ AUTH_DEMO: '1', AUTH_DEMO_SECRET: SECRET, NODE_ENV: 'production' });
    expect(demo).toMatchObject({ demo: true, secret: SECRET, cookieSecure: false, publicUrl: 'http://localhost:3000' });
    const prod = parseConfig({ AUTH_SECRET: SECRET, AUTH_DEMO: '1', AUTH_DEMO_SECRET: SECRET2, NODE_ENV: 'production' });
    expect(prod).toMatchObject({ demo: false, secret: SECRET, cookieSecure: true, publicUrl: null });
  });

  it('fails closed: no AUTH_SECRET and no AUTH_DEMO=1 is an error, even with a demo secret lying around', () => {
    for (const env of [{}, { AUTH_DEMO_SECRET: SECRET }, { AUTH_DEMO: '0', AUTH_DEMO_SECRET: SECRET }, { NODE_ENV: 'production' }]) {
      expect(() => parseConfig(env)).toThrow(/AUTH_SECRET is not set\. Generate one with `openssl rand -base64 32`/);
    }
    expect(() => parseConfig({ AUTH_DEMO: 'yes', AUTH_DEMO_SECRET: SECRET })).toThrow(/AUTH_DEMO must be "1" or "0"/);
  });

  it.each([
    ['one repeated character', 'x'.repeat(40), /only 1 different character/],
    ['a short pattern repeated', 'abcd1234'.repeat(5), /repeats "abcd/],
    ['a word padded', 'password' + '!'.repeat(30), /common words, runs or repeats/],
    ['a word and a counting run', 'gatehouse-secret-0123456789abcdefghijkl', /common words, runs or repeats/],
    ['a keyboard walk', 'qwertyuiopasdfghjklzxcvbnm123456', /common words, runs or repeats/],
    ['a template placeholder', 'my-super-secret-jwt-key-change-me', /common words, runs or repeats/],
    ['another placeholder', 'replace-this-with-a-real-secret!!', /common words, runs or repeats/],
  ])('refuses a low-entropy AUTH_SECRET: %s', (_label, secret, message) => {
    const words = new Set(['password', 'gatehouse', 'secret', 'qwerty', 'asdfgh', 'zxcvbnm', 'qwertyuiop', 'asdfghjkl']);
    expect(() => parseConfig({ AUTH_SECRET: secret }, { secretWords: words })).toThrow(message);
  });

  it('checks AUTH_SECRET_PREVIOUS as strictly: its tokens are still accepted', () => {
    expect(() => parseConfig({ AUTH_SECRET: SECRET, AUTH_SECRET_PREVIOUS: 'a'.repeat(36) })).toThrow(
      /AUTH_SECRET_PREVIOUS entry 1 is too easy to guess/,
    );
  });

  it('accepts secrets from openssl rand, base64 or hex', () => {
    for (let i = 0; i < 50; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(32));
      const b64 = btoa(String.fromCharCode(...bytes));
      const hex = [...bytes.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
      expect(secretWeakness(b64), b64).toBeNull();
      expect(secretWeakness(hex), hex).toBeNull();
    }
  });

  it('reads the public URL, trusted proxies, session cap and throttle settings', () => {
    const c = parseConfig({
      AUTH_SECRET: SECRET,
      AUTH_PUBLIC_URL: 'https://auth.example.com/ignored',
      AUTH_TRUSTED_PROXIES: '10.0.0.0/8, ::1',
      AUTH_MAX_SESSIONS: '3',
      AUTH_THROTTLE_ACCOUNT: '4',
      AUTH_THROTTLE_BLOCK_MIN: '30',
      AUTH_HASH_CONCURRENCY: '2',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(c).toMatchObject({
      publicUrl: 'https://auth.example.com',
      trustedProxies: { kind: 'list', ranges: ['10.0.0.0/8', '::1'] },
      maxSessions: 3,
      throttle: { account: 4, pair: 5, address: 30, blockMin: 30, blockMax: 3600 },
      hashConcurrency: 2,
      redisUrl: 'redis://127.0.0.1:6379',
    });
    expect(parseConfig({ AUTH_SECRET: SECRET, AUTH_TRUSTED_PROXIES: '2' }).trustedProxies).toEqual({ kind: 'hops', count: 2 });
    expect(() => parseConfig({ AUTH_SECRET: SECRET, AUTH_TRUSTED_PROXIES: '10.0.0.0/99,evil' })).toThrow(/AUTH_TRUSTED_PROXIES/);
    expect(() => parseConfig({ AUTH_SECRET: SECRET, AUTH_PUBLIC_URL: 'javascript:alert(1)' })).toThrow(/AUTH_PUBLIC_URL/);
  });

  it('keeps ended sessions a week and audit events 90 days, purging hourly, unless told otherwise', () => {
    expect(parseConfig({ AUTH_SECRET: SECRET }).housekeeping).toEqual({
      sessionRetentionDays: 7,
      eventRetentionDays: 90,
      purgeInterval: 3600,
    });
    const c = parseConfig({
      AUTH_SECRET: SECRET,
      AUTH_SESSION_RETENTION_DAYS: '30',
      AUTH_EVENT_RETENTION_DAYS: '365',
      AUTH_PURGE_INTERVAL: '0',
    });
    expect(c.housekeeping).toEqual({ sessionRetentionDays: 30, eventRetentionDays: 365, purgeInterval: 0 });
    let problems: readonly string[] = [];
    try {
      parseConfig({
        AUTH_SECRET: SECRET,
        AUTH_SESSION_RETENTION_DAYS: '0',
        AUTH_EVENT_RETENTION_DAYS: 'forever',
        AUTH_PURGE_INTERVAL: '-5',
      });
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems).toEqual([
      'AUTH_SESSION_RETENTION_DAYS must be a whole number from 1 to 3650 (got "0").',
      'AUTH_EVENT_RETENTION_DAYS must be a whole number from 1 to 3650 (got "forever").',
      'AUTH_PURGE_INTERVAL must be a whole number of seconds (got "-5").',
    ]);
  });

  it('never echoes credentials from a mistyped DATABASE_URL or REDIS_URL', () => {
    let message = '';
    try {
      parseConfig({ AUTH_SECRET: SECRET, DATABASE_URL: 'mysql://admin:hunter2-db@db.internal/app', REDIS_URL: 'http://u:hunter2-redis@r' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('REDIS_URL');
    expect(message).toContain('mysql://***@db.internal/app');
    expect(message).not.toMatch(/hunter2/);
    expect(redactUrl('postgres://gate:s3cret@db:5432/x')).toBe('postgres://***@db:5432/x');
    expect(redactUrl('mysql://user:p/ss@host/db')).toBe('mysql://***@host/db');
    expect(redactUrl('mysql://u:p@ss@h')).toBe('mysql://***@h');
    // A slash missing is a mistake, not a SQLite file named after the credentials.
    expect(() => parseConfig({ AUTH_SECRET: SECRET, DATABASE_URL: 'postgres:/u:hunter2@db/x' })).toThrow(/postgres:\/\*\*\*@db\/x/);
    expect(parseConfig({ AUTH_SECRET: SECRET, DATABASE_URL: 'C:/data/x.db' }).database).toEqual({ kind: 'sqlite', path: 'C:/data/x.db' });
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      parseConfig({
        AUTH_SECRET: 'short',
        AUTH_ACCESS_TTL: 'abc',
        AUTH_REFRESH_TTL: '0',
        AUTH_REFRESH_GRACE: '-1',
        AUTH_INTERNAL_URL: 'ftp://x',
        AUTH_COOKIE_SECURE: 'yes',
        DATABASE_URL: 'mysql://db',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(7);
    for (const name of [
      'AUTH_SECRET must be at least 32',
      'AUTH_ACCESS_TTL',
      'AUTH_REFRESH_TTL',
      'AUTH_REFRESH_GRACE',
      'AUTH_INTERNAL_URL',
      'AUTH_COOKIE_SECURE',
      'DATABASE_URL',
    ]) {
      expect(problems.some((p) => p.includes(name)), name).toBe(true);
    }
    expect((error as Error).message).toContain('openssl rand -base64 32');
  });

  it('refuses a missing secret and lifetimes that cannot work together', () => {
    expect(() => parseConfig({})).toThrow(/AUTH_SECRET is not set/);
    expect(() => parseConfig({ AUTH_SECRET: SECRET, AUTH_ACCESS_TTL: '900', AUTH_REFRESH_TTL: '600' })).toThrow(
      /must be longer than AUTH_ACCESS_TTL/,
    );
    expect(() => parseConfig({ AUTH_SECRET: SECRET, AUTH_REFRESH_TTL: '60', AUTH_ACCESS_TTL: '30', AUTH_REFRESH_GRACE: '60' })).toThrow(
      /AUTH_REFRESH_GRACE/,
    );
  });
});
