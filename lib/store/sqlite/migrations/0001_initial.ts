/** Users, sessions, the audit trail, and a small key/value table for one-time facts. */
export const sql = `
CREATE TABLE users (
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
);
-- Unique among live users only, so a deleted account's name can be taken again.
CREATE UNIQUE INDEX users_username_key ON users (username_key) WHERE deleted_at IS NULL;

CREATE TABLE sessions (
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
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE auth_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  type       TEXT NOT NULL,
  user_id    TEXT,
  session_id TEXT,
  ip         TEXT,
  user_agent TEXT,
  detail     TEXT
);
CREATE INDEX auth_events_user_id ON auth_events (user_id, at);

CREATE TABLE meta (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
`;
