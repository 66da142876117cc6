import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Store } from '../auth/store';
import { migratePostgres } from './migrate';
import type { Database } from './schema';
import { createStore } from './store';

export interface PostgresOptions {
  /** Schema to create and use (tests use a throwaway one); default: the server's search_path. */
  readonly schema?: string;
  /** Pool size; default 10. */
  readonly max?: number;
  /** How long to wait for a connection (new, or a free one from the pool), ms; default 5000. */
  readonly connectionTimeout?: number;
}

// BIGINT (epoch ms) comes back as a string by default; ours fit a double exactly.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * The store for several instances: PostgreSQL through a node-postgres pool. Rotation is the
 * same single conditional UPDATE as on SQLite, which row locking makes safe across instances.
 * A pool reconnects by itself: after an outage the same store works again without reopening.
 */
export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<Store> {
  const { schema } = options;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`invalid schema name "${schema}"`);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // Without it, a database that accepts TCP but never answers would hang every request.
    connectionTimeoutMillis: options.connectionTimeout ?? 5000,
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (error) => console.error('[gatehouse] postgres pool error', error.message));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migratePostgres(db, schema ?? (await targetSchema(db)));
    return createStore(db, 'postgres');
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

/**
 * Where the tables go without an explicit schema: the connection's current schema, or — when
 * DATABASE_URL chose one that does not exist yet (`?options=-c search_path=gatehouse`) — that
 * one, which the Migrator then creates. Plain identifiers only; anything else stays PostgreSQL's
 * own error.
 */
async function targetSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{
    current: string | null;
    path: string;
  }>`SELECT current_schema() AS current, current_setting('search_path') AS path`.execute(db);
  const current = rows[0]?.current;
  if (current) return current;
  const first = rows[0]?.path.split(',')[0]?.trim() ?? '';
  return /^[a-z_][a-z0-9_]{0,62}$/.test(first) ? first : 'public';
}
