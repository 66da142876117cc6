import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../lib/auth/store';
import { migratePostgres, migrateSqlite } from '../../lib/store/migrate';
import type { Database } from '../../lib/store/schema';
import { createStore } from '../../lib/store/store';
import { dropSchema, freshSchema, POSTGRES_URL, withClient } from './postgres-schema';

/**
 * The queries behind every request (and the purge) are answered from an index, never by reading
 * a whole table: each store method runs once, its exact SQL is captured, and the database
 * explains how it would run it. Printed too, for the record.
 */
interface Captured {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

const T = 1_800_000_000_000;

/** The hot paths, each as the store method that runs them. */
const HOT: Record<string, (store: Store) => Promise<unknown>> = {
  'session by id': (s) => s.findSession('s1'),
  'rotate session': (s) => s.rotateSession('s1', 0, { rotatedAt: T, idleExpiresAt: T }),
  'user by username': (s) => s.findUserByUsername('jon'),
  'user by id': (s) => s.findUserById('u1'),
  'live sessions of a user': (s) => s.listSessions('u1'),
  "revoke a user's sessions": (s) => s.revokeUserSessions('u1', 'admin', T),
  'events of a user': (s) => s.listEvents({ userId: 'u1', limit: 50 }),
  purge: (s) => s.purge({ sessionsEndedBefore: T, eventsBefore: T }),
};

async function captureQueries(
  open: (log: (event: LogEvent) => void) => Promise<Store>,
): Promise<{ store: Store; queries: Record<string, Captured[]> }> {
  let sink: Captured[] = [];
  const store = await open((event) => {
    if (event.level === 'query') sink.push({ sql: event.query.sql, parameters: event.query.parameters });
  });
  await store.createUser({
    id: 'u1',
    username: 'jon',
    displayName: 'Jon',
    passwordHash: 'h',
    admin: false,
    now: T,
  });
  const queries: Record<string, Captured[]> = {};
  for (const [name, run] of Object.entries(HOT)) {
    sink = [];
    await run(store);
    queries[name] = sink;
  }
  return { store, queries };
}

describe('SQLite query plans', () => {
  let raw: SQLite.Database;
  let store: Store;
  let queries: Record<string, Captured[]>;
  beforeAll(async () => {
    raw = new SQLite(':memory:');
    ({ store, queries } = await captureQueries(async (log) => {
      const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }), log });
      await migrateSqlite(db, raw);
      return createStore(db, 'sqlite');
    }));
  });
  afterAll(async () => store.close());

  it.each(Object.keys(HOT))('%s: searches an index, never scans a table', (name) => {
    expect(queries[name]!.length).toBeGreaterThan(0);
    for (const { sql, parameters } of queries[name]!) {
      const plan = (
        raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(parameters as unknown[])) as { detail: string }[]
      ).map((r) => r.detail);
      console.log(`[sqlite] ${name}\n  ${sql}\n  ${plan.join('\n  ')}`);
      expect(
        plan.some((d) => /^SEARCH \w+ USING (INTEGER PRIMARY KEY|(COVERING )?INDEX)/.test(d)),
        plan.join('; '),
      ).toBe(true);
      expect(
        plan.filter((d) => /^SCAN (users|sessions|auth_events|meta)\b/.test(d)),
        sql,
      ).toEqual([]);
    }
  });
});

describe('PostgreSQL query plans', () => {
  const schema = freshSchema();
  let store: Store;
  let queries: Record<string, Captured[]>;
  beforeAll(async () => {
    ({ store, queries } = await captureQueries(async (log) => {
      const pool = new pg.Pool({
        connectionString: POSTGRES_URL,
        max: 2,
        options: `-c search_path=${schema}`,
      });
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
      await migratePostgres(db, schema);
      return createStore(db, 'postgres');
    }));
  });
  afterAll(async () => {
    await store.close();
    await dropSchema(schema);
  });

  it.each(Object.keys(HOT))('%s: uses an index, never a sequential scan', async (name) => {
    expect(queries[name]!.length).toBeGreaterThan(0);
    for (const { sql, parameters } of queries[name]!) {
      const plan = await withClient(schema, async (c) => {
        // Tables this small would be read whole; this asks "could an index answer it?".
        await c.query('SET enable_seqscan = off');
        const { rows } = await c.query(`EXPLAIN ${sql}`, parameters as unknown[]);
        return rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']);
      });
      console.log(`[postgres] ${name}\n  ${sql}\n  ${plan.join('\n  ')}`);
      expect(plan.join('\n')).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
      expect(plan.join('\n')).not.toMatch(/Seq Scan/);
    }
  });
});
