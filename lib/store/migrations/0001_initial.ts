import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../schema';

/**
 * Users, sessions, the audit trail, and a small key/value table for one-time facts: the same
 * DDL, statement for statement, as the hand-written stores applied (their `schema_migrations`
 * version 1), so databases made before and after Kysely have the same shape. Raw SQL per
 * dialect rather than the schema builder, to keep it exactly that.
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

const DDL: Record<DialectName, readonly string[]> = {
  sqlite: [
    `CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL,
  username_key  TEXT NOT NULL,
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  admin         INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'banned')),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  deleted_at    INTEGER
)`,
    // Unique among live users only, so a deleted account's name can be taken again.
    'CREATE UNIQUE INDEX users_username_key ON users (username_key) WHERE deleted_at IS NULL',
    `CREATE TABLE sessions (
  id                  TEXT PRIMARY KEY,
  user_id             TEXT NOT NULL REFERENCES users (id),
  gen                 INTEGER NOT NULL DEFAULT 0,
  created_at          INTEGER NOT NULL,
  rotated_at          INTEGER NOT NULL,
  idle_expires_at     INTEGER NOT NULL,
  absolute_expires_at INTEGER NOT NULL,
  revoked_at          INTEGER,
  revoked_reason      TEXT,
  user_agent          TEXT,
  ip                  TEXT
)`,
    'CREATE INDEX sessions_user_id ON sessions (user_id)',
    `CREATE TABLE auth_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
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
  created_at INTEGER NOT NULL
)`,
  ],
  postgres: [
    `CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL,
  username_key  TEXT NOT NULL,
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  admin         BOOLEAN NOT NULL DEFAULT FALSE,
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'banned')),
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  deleted_at    BIGINT
)`,
    'CREATE UNIQUE INDEX users_username_key ON users (username_key) WHERE deleted_at IS NULL',
    `CREATE TABLE sessions (
  id                  TEXT PRIMARY KEY,
  user_id             TEXT NOT NULL REFERENCES users (id),
  gen                 INTEGER NOT NULL DEFAULT 0,
  created_at          BIGINT NOT NULL,
  rotated_at          BIGINT NOT NULL,
  idle_expires_at     BIGINT NOT NULL,
  absolute_expires_at BIGINT NOT NULL,
  revoked_at          BIGINT,
  revoked_reason      TEXT,
  user_agent          TEXT,
  ip                  TEXT
)`,
    'CREATE INDEX sessions_user_id ON sessions (user_id)',
    `CREATE TABLE auth_events (
  id         BIGSERIAL PRIMARY KEY,
  at         BIGINT NOT NULL,
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
  created_at BIGINT NOT NULL
)`,
  ],
};
