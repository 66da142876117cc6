import { sql, type Migration } from 'kysely';
import type { DialectName } from '../schema';

/**
 * What issue 10 needs: how each session was signed in (`amr`), an authenticator-app factor and
 * its recovery codes, the second sign-in step, passkeys and their one-time challenges. Sessions
 * made before this were all password sign-ins, hence the default.
 */
export function secondFactors(dialect: DialectName): Migration {
  const time = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const flag =
    dialect === 'sqlite'
      ? 'INTEGER NOT NULL DEFAULT 0 CHECK (backed_up IN (0, 1))'
      : 'BOOLEAN NOT NULL DEFAULT FALSE';
  const statements = [
    `ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd'`,
    // One per user. enabled_at is null while the user has not yet confirmed it with a code.
    // The secret is sealed (AES-GCM under a key derived from AUTH_SECRET): the database alone
    // does not yield it. last_step is the last time step accepted, so a code works once.
    `CREATE TABLE totp_factors (
  user_id       TEXT PRIMARY KEY REFERENCES users (id),
  sealed_secret TEXT NOT NULL,
  created_at    ${time} NOT NULL,
  enabled_at    ${time},
  last_step     ${time}
)`,
    // Keyed hashes only; a used code keeps its row (used_at) so it cannot be used again.
    `CREATE TABLE recovery_codes (
  user_id    TEXT NOT NULL REFERENCES users (id),
  code_hash  TEXT NOT NULL,
  created_at ${time} NOT NULL,
  used_at    ${time},
  PRIMARY KEY (user_id, code_hash)
)`,
    // The second sign-in step: between a right password and a session. Token stored hashed.
    `CREATE TABLE mfa_steps (
  token_hash     TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users (id),
  first_factor   TEXT NOT NULL,
  password_epoch ${time},
  created_at     ${time} NOT NULL,
  expires_at     ${time} NOT NULL,
  tries          INTEGER NOT NULL DEFAULT 0,
  used_at        ${time}
)`,
    'CREATE INDEX mfa_steps_expires_at ON mfa_steps (expires_at)',
    `CREATE TABLE passkeys (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id),
  public_key   TEXT NOT NULL,
  counter      ${time} NOT NULL,
  transports   TEXT,
  device_type  TEXT NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  backed_up    ${flag},
  aaguid       TEXT,
  name         TEXT NOT NULL,
  created_at   ${time} NOT NULL,
  last_used_at ${time}
)`,
    'CREATE INDEX passkeys_user_id ON passkeys (user_id)',
    // Single use: taken by a DELETE … RETURNING, so of two requests with one challenge one wins.
    `CREATE TABLE webauthn_challenges (
  challenge  TEXT PRIMARY KEY,
  purpose    TEXT NOT NULL CHECK (purpose IN ('register', 'authenticate')),
  user_id    TEXT,
  session_id TEXT,
  created_at ${time} NOT NULL,
  expires_at ${time} NOT NULL
)`,
    'CREATE INDEX webauthn_challenges_expires_at ON webauthn_challenges (expires_at)',
  ];
  return {
    async up(db) {
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  };
}
