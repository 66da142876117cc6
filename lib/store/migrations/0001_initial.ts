import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../schema';

/**
 * Users, sessions, the audit trail, and a small key/value table for one-time facts: the same
 * DDL, statement for statement, as the hand-written stores applied (their `schema_migrations`
 * version 1), so databases made before and after Kysely have the same shape (SQLite keeps the
 * CREATE text itself, so the upgrade test compares it). Written once, with the few column
 * types that differ filled in per dialect.
 */
export function initial(dialect: DialectName): Migration {
  return {
    async up(db) {
      // A database made by the hand-written stores already has all of this: adopt it as is.
      if (await appliedByLegacyRunner(db, dialect)) return;
      for (const statement of DDL[dialect]) await sql.raw(statement).execute(db);
    },
  };
}

async function appliedByLegacyRunner(db: Kysely<unknown>, dialect: DialectName): Promise<boolean> {
  const table =
    dialect === 'sqlite'
      ? sql<{
          found: number;
        }>`SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
      : // Resolved through search_path, as the unqualified tables are.
        sql<{ found: number }>`SELECT 1 AS found WHERE to_regclass('schema_migrations') IS NOT NULL`;
  if ((await table.execute(db)).rows.length === 0) return false;
  const { rows } = await sql<{
    found: number;
  }>`SELECT 1 AS found FROM schema_migrations WHERE version = 1`.execute(db);
  return rows.length > 0;
}

/**
 * Where the dialects differ, and only there: SQLite has no boolean and no BIGINT (INTEGER is
 * 64-bit), PostgreSQL no AUTOINCREMENT. Times are epoch milliseconds.
 */
const TYPES: Record<DialectName, { readonly time: string; readonly flag: string; readonly serial: string }> =
  {
    sqlite: {
      time: 'INTEGER',
      flag: 'INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1))',
      serial: 'INTEGER PRIMARY KEY AUTOINCREMENT',
    },
    postgres: { time: 'BIGINT', flag: 'BOOLEAN NOT NULL DEFAULT FALSE', serial: 'BIGSERIAL PRIMARY KEY' },
  };

function ddl({ time, flag, serial }: (typeof TYPES)[DialectName]): readonly string[] {
  return [
    `CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL,
  username_key  TEXT NOT NULL,
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  admin         ${flag},
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'banned')),
  created_at    ${time} NOT NULL,
  updated_at    ${time} NOT NULL,
  deleted_at    ${time}
)`,
    // Unique among live users only, so a deleted account's name can be taken again.
    'CREATE UNIQUE INDEX users_username_key ON users (username_key) WHERE deleted_at IS NULL',
    `CREATE TABLE sessions (
  id                  TEXT PRIMARY KEY,
  user_id             TEXT NOT NULL REFERENCES users (id),
  gen                 INTEGER NOT NULL DEFAULT 0,
  created_at          ${time} NOT NULL,
  rotated_at          ${time} NOT NULL,
  idle_expires_at     ${time} NOT NULL,
  absolute_expires_at ${time} NOT NULL,
  revoked_at          ${time},
  revoked_reason      TEXT,
  user_agent          TEXT,
  ip                  TEXT
)`,
    'CREATE INDEX sessions_user_id ON sessions (user_id)',
    `CREATE TABLE auth_events (
  id         ${serial},
  at         ${time} NOT NULL,
  type       TEXT NOT NULL,
  user_id    TEXT,
  session_id TEXT,
  ip         TEXT,
  user_agent TEXT,
  detail     TEXT
)`,
    'CREATE INDEX auth_events_user_id ON auth_events (user_id, at)',
    `CREATE TABLE meta (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  created_at ${time} NOT NULL
)`,
  ];
}

const DDL: Record<DialectName, readonly string[]> = {
  sqlite: ddl(TYPES.sqlite),
  postgres: ddl(TYPES.postgres),
};
