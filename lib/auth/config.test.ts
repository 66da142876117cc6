import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseConfig } from './config';
import { ConfigError } from './errors';

const SECRET = 'x'.repeat(32);

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
      AUTH_SECRET_PREVIOUS: `${'y'.repeat(32)}, ${'z'.repeat(40)}`,
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
      previousSecrets: ['y'.repeat(32), 'z'.repeat(40)],
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

  it('is the demo only without AUTH_SECRET, using the generated demo secret', () => {
    const demo = parseConfig({ AUTH_DEMO_SECRET: SECRET, NODE_ENV: 'production' });
    expect(demo).toMatchObject({ demo: true, secret: SECRET, cookieSecure: false });
    const prod = parseConfig({ AUTH_SECRET: SECRET, AUTH_DEMO_SECRET: 'd'.repeat(32), NODE_ENV: 'production' });
    expect(prod).toMatchObject({ demo: false, secret: SECRET, cookieSecure: true });
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
