import { sql, type Migration } from 'kysely';
import type { DialectName } from '../schema';

/**
 * What issue 8 needs: the user-wide revocation entry and the password's age on users, who did
 * it on audit events, and one-time password links. Column types as in 0001 (times are epoch
 * milliseconds: INTEGER in SQLite, BIGINT in PostgreSQL).
 */
export function accounts(dialect: DialectName): Migration {
  const time = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const statements = [
    `ALTER TABLE users ADD COLUMN password_changed_at ${time}`,
    `ALTER TABLE users ADD COLUMN revoked_before ${time}`,
    // The revocation feed asks "which users since when?" every few seconds: a small index over
    // the few users that have an entry at all.
    'CREATE INDEX users_revoked_before ON users (revoked_before) WHERE revoked_before IS NOT NULL',
    'ALTER TABLE auth_events ADD COLUMN actor_id TEXT',
    // The audit trail filtered by type, newest first.
    'CREATE INDEX auth_events_type ON auth_events (type, id)',
    `CREATE TABLE password_links (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id),
  purpose    TEXT NOT NULL CHECK (purpose IN ('reset', 'invite')),
  created_at ${time} NOT NULL,
  expires_at ${time} NOT NULL,
  used_at    ${time},
  created_by TEXT
)`,
    'CREATE INDEX password_links_user_id ON password_links (user_id)',
    'CREATE INDEX password_links_expires_at ON password_links (expires_at)',
  ];
  return {
    async up(db) {
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  };
}
