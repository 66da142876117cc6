import pg from 'pg';
import { UsernameTakenError, usernameKey, type AuthEvent, type Store } from '../../auth/store';
import { toEvent, toSession, toUser, type EventRow, type SessionRow, type UserRow } from '../rows';
import { migrations } from './migrations';

/**
 * The store for several instances: PostgreSQL through node-postgres. Same contract as the
 * SQLite store (lib/store/contract.ts runs against both); rotation is the same single
 * conditional UPDATE, which PostgreSQL's row locking makes safe across instances.
 */
export interface PostgresOptions {
  /** Schema to create and use (tests use a throwaway one); default `public`. */
  readonly schema?: string;
  readonly max?: number;
}

// BIGINT (epoch ms) comes back as a string by default; ours fit a double exactly.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

const MIGRATION_LOCK = 0x6761_7465; // "gate": one migrator at a time across instances

export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<Store> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (error) => console.error('[gatehouse] postgres pool error', error.message));
  try {
    await migrate(pool, schema);
  } catch (error) {
    await pool.end();
    throw error;
  }

  const one = async <T>(text: string, values: unknown[]): Promise<T | undefined> =>
    (await pool.query(text, values)).rows[0] as T | undefined;
  const userById = async (id: string) => {
    const row = await one<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return row ? toUser(row) : null;
  };
  const sessionById = async (id: string) => {
    const row = await one<SessionRow>('SELECT * FROM sessions WHERE id = $1', [id]);
    return row ? toSession(row) : null;
  };

  return {
    async createUser(user) {
      try {
        await pool.query(
          `INSERT INTO users (id, username, username_key, display_name, password_hash, admin, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
          [user.id, user.username, usernameKey(user.username), user.displayName, user.passwordHash, user.admin, user.now],
        );
      } catch (error) {
        if ((error as { code?: string }).code === '23505') throw new UsernameTakenError(user.username);
        throw error;
      }
      return (await userById(user.id))!;
    },
    findUserById: userById,
    async findUserByUsername(username) {
      const row = await one<UserRow>('SELECT * FROM users WHERE username_key = $1 AND deleted_at IS NULL', [
        usernameKey(username),
      ]);
      return row ? toUser(row) : null;
    },
    async listUsers() {
      const { rows } = await pool.query('SELECT * FROM users WHERE deleted_at IS NULL ORDER BY created_at, username_key');
      return (rows as UserRow[]).map(toUser);
    },
    async updateUser(id, patch, now) {
      const columns: [string, unknown][] = [
        ['display_name', patch.displayName],
        ['password_hash', patch.passwordHash],
        ['admin', patch.admin],
        ['status', patch.status],
        ['deleted_at', patch.deletedAt],
      ];
      const sets: string[] = [];
      const values: unknown[] = [];
      for (const [column, value] of columns) {
        if (value === undefined) continue;
        values.push(value);
        sets.push(`${column} = $${values.length}`);
      }
      values.push(now);
      sets.push(`updated_at = $${values.length}`);
      values.push(id);
      // Column names come from the fixed list above, never from input.
      await pool.query(`UPDATE users SET ${sets.join(', ')} WHERE id = $${values.length}`, values);
      return userById(id);
    },

    async createSession(s) {
      await pool.query(
        `INSERT INTO sessions (id, user_id, gen, created_at, rotated_at, idle_expires_at, absolute_expires_at, user_agent, ip)
         VALUES ($1, $2, 0, $3, $3, $4, $5, $6, $7)`,
        [s.id, s.userId, s.now, s.idleExpiresAt, s.absoluteExpiresAt, s.userAgent, s.ip],
      );
      return (await sessionById(s.id))!;
    },
    findSession: sessionById,
    async rotateSession(id, expectedGen, update) {
      const result = await pool.query(
        `UPDATE sessions SET gen = gen + 1, rotated_at = $1, idle_expires_at = $2
         WHERE id = $3 AND gen = $4 AND revoked_at IS NULL`,
        [update.rotatedAt, update.idleExpiresAt, id, expectedGen],
      );
      return result.rowCount === 1;
    },
    async revokeSession(id, reason, at) {
      const result = await pool.query(
        'UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL',
        [at, reason, id],
      );
      return result.rowCount === 1;
    },
    async revokeUserSessions(userId, reason, at) {
      const result = await pool.query(
        'UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE user_id = $3 AND revoked_at IS NULL',
        [at, reason, userId],
      );
      return result.rowCount ?? 0;
    },
    async listSessions(userId) {
      const { rows } = await pool.query(
        'SELECT * FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id',
        [userId],
      );
      return (rows as SessionRow[]).map(toSession);
    },

    async recordEvent(e: AuthEvent) {
      await pool.query(
        `INSERT INTO auth_events (at, type, user_id, session_id, ip, user_agent, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [e.at, e.type, e.userId, e.sessionId, e.ip, e.userAgent, e.detail],
      );
    },
    async listEvents(filter = {}) {
      const limit = filter.limit ?? 100;
      const { rows } = filter.userId
        ? await pool.query('SELECT * FROM auth_events WHERE user_id = $1 ORDER BY id DESC LIMIT $2', [filter.userId, limit])
        : await pool.query('SELECT * FROM auth_events ORDER BY id DESC LIMIT $1', [limit]);
      return (rows as EventRow[]).map(toEvent);
    },

    async setMetaOnce(key, value, now) {
      const result = await pool.query(
        'INSERT INTO meta (key, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING',
        [key, value, now],
      );
      return result.rowCount === 1;
    },
    async getMeta(key) {
      return (await one<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))?.value ?? null;
    },

    async close() {
      await pool.end();
    },
  };
}

async function migrate(pool: pg.Pool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Instances starting together wait here instead of applying a migration twice.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const { rows } = await client.query('SELECT version FROM schema_migrations');
    const applied = new Set((rows as { version: number }[]).map((r) => r.version));
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        Date.now(),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
