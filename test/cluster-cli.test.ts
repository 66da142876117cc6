import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { haproxyConfig } from '../scripts/support/cluster';
import { OTHER_SECRET } from './helpers';

/**
 * `npm run cluster` (scripts/cluster.ts) refuses a start it cannot serve before it starts
 * anything, saying what to set; a running cluster is exercised by the browser suite's cluster
 * run and the fault scripts.
 */
function cluster(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AUTH_|DATABASE_URL|REDIS_URL|CLUSTER_|PORT$)/.test(k)),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/cluster.ts'],
      { env: { ...base, NODE_ENV: 'production' as const, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('npm run cluster refuses a bad start', () => {
  it('without AUTH_SECRET or AUTH_DEMO=1', async () => {
    const { code, out } = await cluster({});
    expect(code).toBe(1);
    expect(out).toContain('AUTH_SECRET is required (or AUTH_DEMO=1');
  }, 30_000);

  it('on SQLite, naming the database but never its password', async () => {
    const { code, out } = await cluster({ AUTH_SECRET: OTHER_SECRET, DATABASE_URL: 'file:.tmp/x.db' });
    expect(code).toBe(1);
    expect(out).toContain('DATABASE_URL must be postgres://');
    const mistyped = await cluster({
      AUTH_SECRET: OTHER_SECRET,
      DATABASE_URL: 'mysql://gate:hunter2-pw@db/app',
    });
    expect(mistyped.out).toContain('DATABASE_URL must be postgres://');
    expect(mistyped.out).not.toContain('hunter2');
  }, 30_000);

  it('with a size or port out of range', async () => {
    expect((await cluster({ AUTH_DEMO: '1', CLUSTER_SIZE: '0' })).out).toContain(
      'CLUSTER_SIZE must be a whole number from 1 to 16',
    );
    expect((await cluster({ AUTH_DEMO: '1', PORT: '3000', CLUSTER_INSTANCE_PORT: '2999' })).out).toContain(
      'overlaps PORT 3000',
    );
  }, 30_000);
});

describe('the balancer configuration', () => {
  const config = haproxyConfig({ port: 3000, instancePorts: [3001, 3002] });

  it('balances round-robin over every instance, connecting from the one trusted source address', () => {
    expect(config).toContain('balance roundrobin');
    expect(config).toMatch(/server app1 127\.0\.0\.1:3001 source 127\.0\.0\.99 check/);
    expect(config).toMatch(/server app2 127\.0\.0\.1:3002 source 127\.0\.0\.99 check/);
  });

  it('retries a request an instance never answered on another instance', () => {
    expect(config).toContain('retry-on conn-failure empty-response response-timeout');
    expect(config).toContain('option redispatch 1');
  });

  it('listens on every interface by default, or on HOST', () => {
    expect(config).toContain('bind :::3000 v4v6');
    expect(haproxyConfig({ port: 80, host: '127.0.0.1', instancePorts: [81] })).toContain(
      'bind 127.0.0.1:80',
    );
    expect(haproxyConfig({ port: 80, host: '::1', instancePorts: [81] })).toContain('bind [::1]:80');
  });
});
