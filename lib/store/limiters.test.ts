import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cryptoRandom, randomId } from '../edge/random';
import {
  COMMAND_TIMEOUT_MS,
  TABLE,
  isLimitReached,
  limiterBackendOptions,
  openLimiterBackend,
  type LimiterBackend,
  type LimiterBackendOptions,
} from './limiters';
import { openSqliteStore } from './sqlite';

/**
 * One contract for every place the sign-in counters can live. Each run gets an empty store:
 * a temporary SQLite file, a throwaway PostgreSQL schema (TEST_POSTGRES_URL), or a unique key
 * prefix in Redis (REDIS_URL), all removed afterwards.
 */
const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const unique = () =>
  `gatehouse_test_${randomId(cryptoRandom, 6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '_')}`;

interface Fixture {
  /** Options that open another instance on the same store. */
  readonly options: LimiterBackendOptions;
  /** Whether separate instances share counters (everything but memory). */
  readonly shared: boolean;
  /** Lets windows end: a fake Date where the store reads the app's clock, real time in Redis. */
  readonly realTime: boolean;
  cleanup(): Promise<void>;
}

/** Whatever a limiter call settles with: its result, the refusal, or the store's error. */
const settle = (call: Promise<RateLimiterRes>): Promise<RateLimiterRes | Error> =>
  call.then(
    (res) => res,
    (reason: unknown) => (isLimitReached(reason) ? reason : (reason as Error)),
  );

async function expectRefused(call: Promise<RateLimiterRes>): Promise<RateLimiterRes> {
  const reason = await call.then(
    () => 'allowed',
    (e: unknown) => e,
  );
  expect(isLimitReached(reason), `expected a refusal, got ${String(reason)}`).toBe(true);
  return reason as RateLimiterRes;
}

function limiterContract(name: string, makeFixture: () => Promise<Fixture>) {
  describe(`limiter contract: ${name}`, () => {
    let fixture: Fixture;
    // Memory counters live in one process and cannot fail: the sharing and outage cases are
    // not registered for them at all (rather than registered and skipped).
    const itShared = name === 'memory' ? ((() => undefined) as unknown as typeof it) : it;
    let opened: LimiterBackend[];
    let backend: LimiterBackend;
    const open = async () => {
      const b = await openLimiterBackend(fixture.options);
      opened.push(b);
      return b;
    };

    beforeEach(async () => {
      fixture = await makeFixture();
      opened = [];
      backend = await open();
    });
    afterEach(async () => {
      vi.useRealTimers();
      await Promise.all(opened.map((b) => b.close().catch(() => undefined)));
      await fixture.cleanup();
    });

    it('allows `points` per window from the very first call, then refuses with the time left', async () => {
      const limiter = backend.limiter({ keyPrefix: 'signin', points: 3, duration: 60 });
      for (let i = 1; i <= 3; i++) {
        expect(await limiter.consume('jon')).toMatchObject({ consumedPoints: i, remainingPoints: 3 - i });
      }
      const refused = await expectRefused(limiter.consume('jon'));
      expect(refused.consumedPoints).toBe(4);
      expect(refused.msBeforeNext).toBeGreaterThan(55_000);
      expect(refused.msBeforeNext).toBeLessThanOrEqual(60_000);
    });

    it('a parallel burst of 50 against 10 points lets exactly 10 through', async () => {
      const limiter = backend.limiter({ keyPrefix: 'burst', points: 10, duration: 60 });
      const results = await Promise.all(Array.from({ length: 50 }, () => settle(limiter.consume('jon'))));
      const allowed = results.filter((r) => !(r instanceof Error) && r.consumedPoints <= 10);
      const refused = results.filter((r) => isLimitReached(r) && r.consumedPoints > 10);
      expect(allowed).toHaveLength(10);
      expect(refused).toHaveLength(40);
      // Every point was counted once: the consumed counts are exactly 1..50.
      expect(results.map((r) => (r as RateLimiterRes).consumedPoints).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });

    it('keeps keys and counters apart', async () => {
      const a = backend.limiter({ keyPrefix: 'a', points: 1, duration: 60 });
      const b = backend.limiter({ keyPrefix: 'b', points: 1, duration: 60 });
      await a.consume('jon');
      await expectRefused(a.consume('jon'));
      expect(await a.consume('ada')).toMatchObject({ consumedPoints: 1 });
      expect(await b.consume('jon')).toMatchObject({ consumedPoints: 1 });
    });

    it('get() reads a counter without counting, and is null for an unknown key', async () => {
      const limiter = backend.limiter({ keyPrefix: 'get', points: 5, duration: 60 });
      expect(await limiter.get('jon')).toBeNull();
      await limiter.consume('jon', 2);
      expect(await limiter.get('jon')).toMatchObject({ consumedPoints: 2, remainingPoints: 3 });
      expect(await limiter.get('jon')).toMatchObject({ consumedPoints: 2 });
    });

    it('block() refuses a key for the given time, and the refusal says so', async () => {
      const limiter = backend.limiter({ keyPrefix: 'block', points: 5, duration: 60 });
      await limiter.consume('jon');
      await limiter.block('jon', 120);
      const refused = await expectRefused(limiter.consume('jon'));
      expect(refused.msBeforeNext).toBeGreaterThan(115_000);
      expect(refused.msBeforeNext).toBeLessThanOrEqual(120_000);
      expect((await limiter.get('jon'))!.consumedPoints).toBeGreaterThan(5);
      expect(await limiter.consume('ada')).toMatchObject({ consumedPoints: 1 });
    });

    it('reward() gives points back', async () => {
      const limiter = backend.limiter({ keyPrefix: 'reward', points: 3, duration: 60 });
      for (let i = 0; i < 3; i++) await limiter.consume('jon');
      await limiter.reward('jon', 2);
      expect(await limiter.get('jon')).toMatchObject({ consumedPoints: 1 });
      await limiter.consume('jon');
      await limiter.consume('jon');
      await expectRefused(limiter.consume('jon'));
    });

    it('penalty() counts without ever refusing', async () => {
      const limiter = backend.limiter({ keyPrefix: 'penalty', points: 1, duration: 60 });
      expect(await limiter.penalty('jon')).toMatchObject({ consumedPoints: 1 });
      expect(await limiter.penalty('jon')).toMatchObject({ consumedPoints: 2 });
      expect(await limiter.penalty('jon')).toMatchObject({ consumedPoints: 3 });
    });

    it('delete() forgets a key, including a block', async () => {
      const limiter = backend.limiter({ keyPrefix: 'delete', points: 2, duration: 60 });
      await limiter.consume('jon');
      await limiter.block('jon', 600);
      expect(await limiter.delete('jon')).toBe(true);
      expect(await limiter.get('jon')).toBeNull();
      expect(await limiter.consume('jon')).toMatchObject({ consumedPoints: 1 });
      expect(await limiter.delete('nobody')).toBe(false);
    });

    it('starts a new window once the old one ends', async () => {
      const limiter = backend.limiter({ keyPrefix: 'window', points: 1, duration: 1 });
      if (!fixture.realTime) vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
      await limiter.consume('jon');
      await expectRefused(limiter.consume('jon'));
      if (fixture.realTime) await new Promise((resolve) => setTimeout(resolve, 1100));
      else vi.setSystemTime(Date.now() + 1100);
      expect(await limiter.consume('jon')).toMatchObject({ consumedPoints: 1 });
    });

    itShared('two instances on the same store share every counter', async () => {
      const other = await open();
      const mine = backend.limiter({ keyPrefix: 'shared', points: 10, duration: 60 });
      const theirs = other.limiter({ keyPrefix: 'shared', points: 10, duration: 60 });
      for (let i = 0; i < 6; i++) await mine.consume('jon');
      for (let i = 0; i < 4; i++) await theirs.consume('jon');
      await expectRefused(mine.consume('jon'));
      await expectRefused(theirs.consume('jon'));

      await theirs.delete('jon');
      expect(await mine.get('jon')).toBeNull();
      await mine.block('jon', 300);
      expect((await expectRefused(theirs.consume('jon'))).msBeforeNext).toBeGreaterThan(295_000);

      // A burst spread over both instances is still exactly the limit.
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => settle((i % 2 ? mine : theirs).consume('ada'))),
      );
      expect(results.filter((r) => !(r instanceof Error) && r.consumedPoints <= 10)).toHaveLength(10);
      expect(results.filter((r) => r instanceof Error)).toHaveLength(0);
    });

    itShared('several instances can open a fresh store at the same moment', async () => {
      const fresh = await makeFixture();
      const opening = await Promise.allSettled([1, 2, 3, 4].map(() => openLimiterBackend(fresh.options)));
      const many = opening.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      try {
        expect(opening.filter((o) => o.status === 'rejected')).toEqual([]);
        const results = await Promise.all(
          many.map((b) => settle(b.limiter({ keyPrefix: 'fresh', points: 2, duration: 60 }).consume('jon'))),
        );
        expect(results.filter((r) => !(r instanceof Error) && r.consumedPoints <= 2)).toHaveLength(2);
        expect(results.filter((r) => r instanceof Error)).toHaveLength(0);
      } finally {
        await Promise.all(many.map((b) => b.close()));
        await fresh.cleanup();
      }
    });

    itShared('a failing store rejects with its own error, never as "over the limit"', async () => {
      const limiter = backend.limiter({ keyPrefix: 'down', points: 10, duration: 60 });
      await limiter.consume('jon');
      await backend.close();
      const calls: Promise<unknown>[] = [
        limiter.consume('jon'),
        limiter.get('jon'),
        limiter.block('jon', 60),
        limiter.delete('jon'),
      ];
      const reasons = await Promise.all(
        calls.map((call) =>
          call.then(
            () => 'resolved',
            (e: unknown) => e,
          ),
        ),
      );
      for (const reason of reasons) {
        expect(reason).toBeInstanceOf(Error);
        expect(isLimitReached(reason)).toBe(false);
      }
    });
  });
}

limiterContract('memory', async () => ({
  options: { kind: 'memory' },
  shared: false,
  realTime: false,
  cleanup: async () => undefined,
}));

limiterContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-limits-'));
  return {
    options: { kind: 'sqlite', path: join(dir, 'gatehouse.db') },
    shared: true,
    realTime: false,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

async function dropSchema(schema: string) {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

limiterContract('PostgreSQL', async () => {
  const schema = unique();
  return {
    options: { kind: 'postgres', url: POSTGRES_URL, schema, max: 4 },
    shared: true,
    realTime: false,
    cleanup: () => dropSchema(schema),
  };
});

async function deleteRedisKeys(prefix: string) {
  const client = new Redis(REDIS_URL);
  const keys = await client.keys(`${prefix}:*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
}

limiterContract('Redis', async () => {
  const prefix = unique();
  return {
    options: { kind: 'redis', url: REDIS_URL, prefix },
    shared: true,
    realTime: true,
    cleanup: () => deleteRedisKeys(prefix),
  };
});

describe('SQLite counters', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-limits-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('creates a missing database file 0600 in a 0700 directory, in WAL mode', async () => {
    const path = join(dir, 'data', 'nested', 'gatehouse.db');
    const backend = await openLimiterBackend({ kind: 'sqlite', path });
    await backend.limiter({ keyPrefix: 'x', points: 1, duration: 60 }).consume('jon');
    expect(mode(join(dir, 'data'))).toBe(0o700);
    expect(mode(join(dir, 'data', 'nested'))).toBe(0o700);
    expect(mode(path)).toBe(0o600);
    expect(mode(`${path}-wal`)).toBe(0o600);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    await backend.close();
  });

  it("leaves an existing file's mode alone", async () => {
    const path = join(dir, 'gatehouse.db');
    writeFileSync(path, '');
    chmodSync(path, 0o640);
    const backend = await openLimiterBackend({ kind: 'sqlite', path });
    await backend.close();
    expect(mode(path)).toBe(0o640);
  });

  it("keeps its table in the app's database file, beside the store's tables", async () => {
    const path = join(dir, 'gatehouse.db');
    const store = await openSqliteStore(path);
    const backend = await openLimiterBackend({ kind: 'sqlite', path });
    await backend.limiter({ keyPrefix: 'signin', points: 5, duration: 60 }).consume('jon');
    await store.createUser({
      id: 'u1',
      username: 'jon',
      displayName: 'Jon',
      passwordHash: 'h',
      admin: false,
      now: 1,
    });
    const db = new Database(path, { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['users', 'sessions', TABLE]));
    expect(db.prepare(`SELECT key, points FROM ${TABLE}`).all()).toEqual([
      { key: 'gatehouse:signin:jon', points: 1 },
    ]);
    db.close();
    await backend.close();
    await store.close();
  });
});

describe('PostgreSQL counters', () => {
  it('live in the given schema, created on demand', async () => {
    const schema = unique();
    try {
      const backend = await openLimiterBackend({ kind: 'postgres', url: POSTGRES_URL, schema });
      await backend.limiter({ keyPrefix: 'signin', points: 5, duration: 60 }).consume('jon');
      await backend.close();
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      const { rows } = await client.query(`SELECT key, points FROM ${schema}.${TABLE}`);
      await client.end();
      expect(rows).toEqual([{ key: 'gatehouse:signin:jon', points: 1 }]);
    } finally {
      await dropSchema(schema);
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(
      openLimiterBackend({ kind: 'postgres', url: POSTGRES_URL, schema: 'x; DROP TABLE users' }),
    ).rejects.toThrow(/invalid schema name/);
  });

  it('fails to open, quickly, when the server is unreachable', async () => {
    const started = Date.now();
    await expect(
      openLimiterBackend({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/test' }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS + 1000);
  });
});

describe('Redis counters', () => {
  it('fail to open, quickly, when the server is unreachable', async () => {
    const started = Date.now();
    await expect(openLimiterBackend({ kind: 'redis', url: 'redis://127.0.0.1:1' })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS + 1000);
  });

  // redis-server is on every machine this runs on (.ci/run starts one when it is not answering).
  describe('during an outage', () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    let server: ChildProcess | undefined;
    const start = async () => {
      server = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      for (let i = 0; i < 50; i++) {
        const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null });
        probe.on('error', () => undefined);
        const up = await probe.connect().then(
          () => true,
          () => false,
        );
        probe.disconnect();
        if (up) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('test redis-server did not start');
    };
    const stop = async () => {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server?.kill('SIGKILL');
      await exited;
      server = undefined;
    };
    afterEach(async () => {
      if (server) await stop();
    });

    it('reject at once instead of hanging, and work again once Redis is back', async () => {
      await start();
      const backend = await openLimiterBackend({ kind: 'redis', url: `redis://127.0.0.1:${port}` });
      // The outage is reported once on the console; keep the test output clean.
      const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const limiter = backend.limiter({ keyPrefix: 'outage', points: 10, duration: 60 });
        expect(await limiter.consume('jon')).toMatchObject({ consumedPoints: 1 });

        await stop();
        const started = Date.now();
        const reasons = await Promise.all([1, 2, 3].map(() => settle(limiter.consume('jon'))));
        expect(Date.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS + 500);
        for (const reason of reasons) {
          expect(reason).toBeInstanceOf(Error);
          expect(isLimitReached(reason)).toBe(false);
        }

        await start();
        let result: RateLimiterRes | Error = new Error('never reconnected');
        for (let i = 0; i < 50 && result instanceof Error; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          result = await settle(limiter.consume('jon'));
        }
        // A fresh server (nothing persisted): counting starts over.
        expect(result).toMatchObject({ consumedPoints: 1 });
      } finally {
        error.mockRestore();
        await backend.close();
      }
    });
  });
});

describe('limiterBackendOptions', () => {
  const sqlite = { kind: 'sqlite', path: '.data/gatehouse.db' } as const;
  it('uses Redis when REDIS_URL is set', () => {
    expect(limiterBackendOptions({ redisUrl: 'redis://r:6379', database: sqlite })).toEqual({
      kind: 'redis',
      url: 'redis://r:6379',
    });
  });

  it("otherwise uses the app's database, resolving SQLite paths like the store does", () => {
    expect(limiterBackendOptions({ redisUrl: null, database: sqlite }, '/srv/app')).toEqual({
      kind: 'sqlite',
      path: '/srv/app/.data/gatehouse.db',
    });
    expect(
      limiterBackendOptions({ redisUrl: null, database: { kind: 'sqlite', path: '/var/db/g.db' } }),
    ).toEqual({
      kind: 'sqlite',
      path: '/var/db/g.db',
    });
    expect(
      limiterBackendOptions({ redisUrl: null, database: { kind: 'postgres', url: 'postgres://db/x' } }),
    ).toEqual({
      kind: 'postgres',
      url: 'postgres://db/x',
    });
  });

  it('keeps counters in memory when the database itself is in memory', () => {
    expect(limiterBackendOptions({ redisUrl: null, database: { kind: 'sqlite', path: ':memory:' } })).toEqual(
      {
        kind: 'memory',
      },
    );
  });
});
