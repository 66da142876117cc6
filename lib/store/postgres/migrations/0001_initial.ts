/** The same schema as SQLite's 0001, in PostgreSQL types. Times are epoch milliseconds. */
export const sql = `
CREATE TABLE users (
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
);
CREATE UNIQUE INDEX users_username_key ON users (username_key) WHERE deleted_at IS NULL;

CREATE TABLE sessions (
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
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE auth_events (
  id         BIGSERIAL PRIMARY KEY,
  at         BIGINT NOT NULL,
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
  created_at BIGINT NOT NULL
);
`;
