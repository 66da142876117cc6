import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  UsernameTakenError,
  usernameKey,
  type AuthEvent,
  type NewSession,
  type NewUser,
  type Store,
  type UserPatch,
} from '../../auth/store';
import { toEvent, toSession, toUser, type EventRow, type SessionRow, type UserRow } from '../rows';
import { migrations } from './migrations';

/**
 * The default store: one SQLite file through better-sqlite3, in WAL mode so the server and the
 * `users` command can use it at once. Synchronous underneath, async at the interface.
 */
export function openSqliteStore(path: string): Store {
  if (path !== ':memory:') createPrivately(path);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  if (path !== ':memory:') restrictSidecars(path);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);

  const q = {
    insertUser: db.prepare(
      `INSERT INTO users (id, username, username_key, display_name, password_hash, admin, status, created_at, updated_at)
       VALUES (@id, @username, @usernameKey, @displayName, @passwordHash, @admin, 'active', @now, @now)`,
    ),
    userById: db.prepare('SELECT * FROM users WHERE id = ?'),
    userByKey: db.prepare('SELECT * FROM users WHERE username_key = ? AND deleted_at IS NULL'),
    listUsers: db.prepare('SELECT * FROM users WHERE deleted_at IS NULL ORDER BY created_at, username_key'),
    insertSession: db.prepare(
      `INSERT INTO sessions (id, user_id, gen, created_at, rotated_at, idle_expires_at, absolute_expires_at, user_agent, ip)
       VALUES (@id, @userId, 0, @now, @now, @idleExpiresAt, @absoluteExpiresAt, @userAgent, @ip)`,
    ),
    sessionById: db.prepare('SELECT * FROM sessions WHERE id = ?'),
    rotate: db.prepare(
      `UPDATE sessions SET gen = gen + 1, rotated_at = ?, idle_expires_at = ?
       WHERE id = ? AND gen = ? AND revoked_at IS NULL`,
    ),
    revoke: db.prepare(
      'UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL',
    ),
    revokeUser: db.prepare(
      'UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND revoked_at IS NULL',
    ),
    liveSessions: db.prepare(
      'SELECT * FROM sessions WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, id',
    ),
    insertEvent: db.prepare(
      `INSERT INTO auth_events (at, type, user_id, session_id, ip, user_agent, detail)
       VALUES (@at, @type, @userId, @sessionId, @ip, @userAgent, @detail)`,
    ),
    events: db.prepare('SELECT * FROM auth_events ORDER BY id DESC LIMIT ?'),
    userEvents: db.prepare('SELECT * FROM auth_events WHERE user_id = ? ORDER BY id DESC LIMIT ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING'),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
  };

  return {
    async createUser(user: NewUser) {
      try {
        q.insertUser.run({
          id: user.id,
          username: user.username,
          usernameKey: usernameKey(user.username),
          displayName: user.displayName,
          passwordHash: user.passwordHash,
          admin: user.admin ? 1 : 0,
          now: user.now,
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new UsernameTakenError(user.username);
        throw error;
      }
      return toUser(q.userById.get(user.id) as UserRow);
    },
    async findUserById(id) {
      const row = q.userById.get(id) as UserRow | undefined;
      return row ? toUser(row) : null;
    },
    async findUserByUsername(username) {
      const row = q.userByKey.get(usernameKey(username)) as UserRow | undefined;
      return row ? toUser(row) : null;
    },
    async listUsers() {
      return (q.listUsers.all() as UserRow[]).map(toUser);
    },
    async updateUser(id: string, patch: UserPatch, now: number) {
      const columns: [string, string | number | undefined][] = [
        ['display_name', patch.displayName],
        ['password_hash', patch.passwordHash],
        ['admin', patch.admin === undefined ? undefined : patch.admin ? 1 : 0],
        ['status', patch.status],
        ['deleted_at', patch.deletedAt],
      ];
      const sets: string[] = [];
      const values: (string | number)[] = [];
      for (const [column, value] of columns) {
        if (value === undefined) continue;
        sets.push(`${column} = ?`);
        values.push(value);
      }
      sets.push('updated_at = ?');
      values.push(now);
      // Column names come from the fixed list above, never from input.
      db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
      const row = q.userById.get(id) as UserRow | undefined;
      return row ? toUser(row) : null;
    },

    async createSession(session: NewSession) {
      q.insertSession.run(session);
      return toSession(q.sessionById.get(session.id) as SessionRow);
    },
    async findSession(id) {
      const row = q.sessionById.get(id) as SessionRow | undefined;
      return row ? toSession(row) : null;
    },
    async rotateSession(id, expectedGen, update) {
      return q.rotate.run(update.rotatedAt, update.idleExpiresAt, id, expectedGen).changes === 1;
    },
    async revokeSession(id, reason, at) {
      return q.revoke.run(at, reason, id).changes === 1;
    },
    async revokeUserSessions(userId, reason, at) {
      return q.revokeUser.run(at, reason, userId).changes;
    },
    async listSessions(userId) {
      return (q.liveSessions.all(userId) as SessionRow[]).map(toSession);
    },

    async recordEvent(event: AuthEvent) {
      q.insertEvent.run(event);
    },
    async listEvents(filter = {}) {
      const limit = filter.limit ?? 100;
      const rows = (filter.userId ? q.userEvents.all(filter.userId, limit) : q.events.all(limit)) as EventRow[];
      return rows.map(toEvent);
    },

    async setMetaOnce(key, value, now) {
      return q.setMeta.run(key, value, now).changes === 1;
    },
    async getMeta(key) {
      return (q.getMeta.get(key) as { value: string } | undefined)?.value ?? null;
    },

    async close() {
      db.close();
    },
  };
}

/**
 * The database holds password hashes and the audit trail: readable by the server's user only.
 * Directories Gatehouse creates are 0700, and the file is created 0600 before SQLite opens it
 * (SQLite gives its -wal and -shm files the database file's mode). Existing files are
 * tightened too; existing directories are the operator's choice and left alone.
 */
export function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(/*turbopackIgnore: true*/ path)) closeSync(openSync(/*turbopackIgnore: true*/ path, 'a', 0o600));
  chmodSync(/*turbopackIgnore: true*/ path, 0o600);
}

function restrictSidecars(path: string): void {
  // turbopackIgnore: runtime paths, not files for the build to trace.
  for (const file of [`${path}-wal`, `${path}-shm`]) {
    if (existsSync(/*turbopackIgnore: true*/ file)) chmodSync(/*turbopackIgnore: true*/ file, 0o600);
  }
}

function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  // IMMEDIATE takes the write lock up front, so two processes starting together cannot both
  // decide a migration is pending and apply it twice.
  const apply = db.transaction(() => {
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        Date.now(),
      );
    }
  });
  apply.immediate();
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}
