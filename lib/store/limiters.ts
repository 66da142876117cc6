import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import pg from 'pg';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
  RateLimiterSQLite,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { AuthConfig } from '../edge/config';

/**
 * Where the sign-in counters live. They must be shared by every instance that serves
 * sign-ins, or an attacker gets N times the allowance by spreading over N instances, and each
 * consume must be one atomic operation in the store, or a parallel burst slips past the limit.
 * rate-limiter-flexible gives both: an INSERT … ON CONFLICT … RETURNING on SQLite and
 * PostgreSQL, a Lua script on Redis.
 *
 * Failures: a limiter call whose store fails rejects with that store's Error, never with a
 * RateLimiterRes (which means "over the limit"; see `isLimitReached`). Nothing here decides
 * what an outage means. For sign-in we think the caller should fail closed (503 with
 * Retry-After): failing open would turn "take Redis down" into "guess passwords without any
 * limit", and an outage of the counters' store is an outage anyway. Clients time out rather
 * than hang: Redis commands are not queued while disconnected and time out after
 * COMMAND_TIMEOUT_MS; PostgreSQL connections and queries time out likewise; SQLite waits at
 * most its busy timeout.
 */
export type LimiterBackendOptions = (
  | { readonly kind: 'memory' }
  /** Opens its own connection to the app's database file; the table lives beside the app's. */
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string; readonly max?: number }
  | { readonly kind: 'redis'; readonly url: string }
) & {
  /** Starts every key, so several apps (or test runs) can share one Redis; default `gatehouse`. */
  readonly prefix?: string;
};

export interface LimiterOptions {
  /** Names the counter; keys of different counters never collide. */
  readonly keyPrefix: string;
  /** Points allowed per window; the consume that goes beyond is refused. */
  readonly points: number;
  /** Window length in seconds, starting at the first consume (0: never expires). */
  readonly duration: number;
}

export type Limiter = RateLimiterAbstract;

export interface LimiterBackend {
  readonly kind: LimiterBackendOptions['kind'];
  limiter(options: LimiterOptions): Limiter;
  close(): Promise<void>;
}

/** A limiter's rejection that means "over the limit", as opposed to a failing store. */
export function isLimitReached(reason: unknown): reason is RateLimiterRes {
  return reason instanceof RateLimiterRes;
}

export const TABLE = 'gatehouse_limits';
export const COMMAND_TIMEOUT_MS = 2000;
const SQLITE_BUSY_TIMEOUT_MS = 5000;
// Every few minutes, rows whose window ended over an hour ago are deleted (Redis expires keys itself).
const SWEEP_INTERVAL_MS = 5 * 60_000;
const SWEEP_AGE_MS = 60 * 60_000;

/**
 * Where the counters go for a configuration: Redis when REDIS_URL is set, else the app's own
 * database (relative SQLite paths resolve against `cwd`, as the store's do). An in-memory
 * SQLite database cannot be shared with a second connection, so it gets in-memory counters.
 */
export function limiterBackendOptions(
  config: Pick<AuthConfig, 'redisUrl' | 'database'>,
  cwd = process.cwd(),
): LimiterBackendOptions {
  if (config.redisUrl) return { kind: 'redis', url: config.redisUrl };
  const db = config.database;
  if (db.kind === 'postgres') return { kind: 'postgres', url: db.url };
  if (db.path === ':memory:') return { kind: 'memory' };
  return { kind: 'sqlite', path: isAbsolute(db.path) ? db.path : resolve(cwd, db.path) };
}

/** Opens the counters' store; for SQL stores the table exists once this resolves. */
export async function openLimiterBackend(options: LimiterBackendOptions): Promise<LimiterBackend> {
  const prefix = options.prefix ?? 'gatehouse';
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(prefix)) throw new Error(`invalid limiter prefix "${prefix}"`);
  const named = (o: LimiterOptions) => ({
    keyPrefix: `${prefix}:${o.keyPrefix}`,
    points: o.points,
    duration: o.duration,
  });

  switch (options.kind) {
    case 'memory':
      return {
        kind: 'memory',
        limiter: (o) => new RateLimiterMemory(named(o)),
        close: async () => undefined,
      };

    case 'sqlite': {
      const db = openSqlite(options.path);
      try {
        return await sqlBackend({
          kind: 'sqlite',
          make: (o, ready) =>
            new RateLimiterSQLite(
              { ...named(o), ...sql(o), storeClient: db, storeType: 'better-sqlite3' },
              ready,
            ),
          sweep: async (before) => void db.prepare(`DELETE FROM ${TABLE} WHERE expire < ?`).run(before),
          close: async () => void db.close(),
        });
      } catch (error) {
        db.close();
        throw error;
      }
    }

    case 'postgres': {
      const schema = options.schema;
      if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
        throw new Error(`invalid schema name "${schema}"`);
      const pool = new pg.Pool({
        connectionString: options.url,
        max: options.max ?? 4,
        connectionTimeoutMillis: COMMAND_TIMEOUT_MS,
        query_timeout: COMMAND_TIMEOUT_MS,
        ...(schema ? { options: `-c search_path=${schema}` } : {}),
      });
      // An idle client losing its connection must not crash the process; the next query reconnects.
      pool.on('error', (error) => console.error('[gatehouse] limiter postgres pool error', error.message));
      try {
        return await oneAtATime(options.url, async (client) => {
          if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
          return sqlBackend({
            kind: 'postgres',
            make: (o, ready) =>
              new RateLimiterPostgres(
                { ...named(o), ...sql(o), storeClient: pool, storeType: 'pool' },
                ready,
              ),
            sweep: (before) => pool.query(`DELETE FROM ${TABLE} WHERE expire < $1`, [before]),
            close: () => pool.end(),
          });
        });
      } catch (error) {
        await pool.end();
        throw error;
      }
    }

    case 'redis': {
      const client = await openRedis(options.url);
      return {
        kind: 'redis',
        limiter: (o) =>
          new RateLimiterRedis({ ...named(o), storeClient: client, rejectIfRedisNotReady: true }),
        async close() {
          // Calls made after closing fail as they should; that is not an outage to report.
          client.removeAllListeners('error').on('error', () => undefined);
          await client.quit().catch(() => client.disconnect());
        },
      };
    }
  }
}

// One table for every counter (keys carry the counter's name); the sweep below replaces the
// library's per-limiter timers, so closing the backend leaves no timer behind.
const sql = (o: SqlLimiterOptions) =>
  ({ tableName: TABLE, tableCreated: o.tableCreated ?? false, clearExpiredByTimeout: false }) as const;

type SqlLimiterOptions = LimiterOptions & { readonly tableCreated?: boolean };
type SqlLimiter = RateLimiterSQLite | RateLimiterPostgres;

/**
 * The SQL limiters create their table asynchronously and refuse every call until it exists,
 * so the first one is awaited here and the rest are told the table is there.
 */
async function sqlBackend(store: {
  kind: 'sqlite' | 'postgres';
  make: (o: SqlLimiterOptions, ready?: (error?: Error) => void) => SqlLimiter;
  sweep: (before: number) => Promise<unknown>;
  close: () => Promise<void>;
}): Promise<LimiterBackend> {
  await new Promise<void>((resolve, reject) => {
    store.make({ keyPrefix: 'probe', points: 1, duration: 1 }, (error) =>
      error ? reject(error) : resolve(),
    );
  });
  const sweeper = setInterval(() => {
    store.sweep(Date.now() - SWEEP_AGE_MS).catch(() => undefined);
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  return {
    kind: store.kind,
    limiter: (o) => store.make({ ...o, tableCreated: true }),
    async close() {
      clearInterval(sweeper);
      await store.close();
    },
  };
}

const CREATE_LOCK = 0x6c69_6d74; // "limt"

/**
 * PostgreSQL's CREATE … IF NOT EXISTS is not safe against itself: two instances starting
 * together can both fail on a unique index of the catalog. Creation runs under an advisory
 * lock, held on its own connection so the pool stays free for the creating queries.
 */
async function oneAtATime<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: COMMAND_TIMEOUT_MS });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [CREATE_LOCK]);
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * A second connection to the app's SQLite file. The counters sit beside the password hashes,
 * so a file this creates is private to its owner from the start (0600, directory 0700);
 * SQLite gives its -wal and -shm files the same mode.
 */
function openSqlite(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * A Redis client that reports an outage instead of waiting it out: nothing is queued while
 * disconnected, an in-flight command is never retried (a counter must not count twice), and a
 * slow command times out. It keeps reconnecting in the background, so the counters come back
 * by themselves.
 */
async function openRedis(url: string): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: COMMAND_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Without a listener, ioredis prints every failed reconnection; report the first of each
  // outage (a failure to open is the caller's to report: it gets the error).
  let reported = true;
  client.on('error', (error: Error) => {
    if (!reported) console.error('[gatehouse] limiter redis error', error.message);
    reported = true;
  });
  client.on('ready', () => {
    reported = false;
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return client;
}
