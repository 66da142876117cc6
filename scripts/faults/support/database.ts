import Database from 'better-sqlite3';
import pg from 'pg';
import { createArgon2Hasher } from '../../../lib/auth/passwords';
import type { Store } from '../../../lib/auth/store';
import { createUserAdmin } from '../../../lib/auth/users';
import { systemClock } from '../../../lib/edge/clock';
import { cryptoRandom } from '../../../lib/edge/random';
import { openPostgresStore } from '../../../lib/store/postgres';
import { openSqliteStore } from '../../../lib/store/sqlite';
import { dropSchema, ensureSchema, LOCAL_POSTGRES, schemaUrl } from '../../support/postgres-schema';

/**
 * The fault scripts' view of the database, read directly (not through the app), so a verdict
 * does not depend on the code under test: which sessions are still live, how far each has
 * rotated, and what the audit trail recorded. Works on the DATABASE_URL the instances use.
 */
export interface SessionRow {
  readonly id: string;
  readonly gen: number;
  readonly revokedReason: string | null;
}

export async function readSessions(databaseUrl: string): Promise<Map<string, SessionRow>> {
  const rows = await query<{ id: string; gen: number; revoked_at: unknown; revoked_reason: string | null }>(
    databaseUrl,
    'SELECT id, gen, revoked_at, revoked_reason FROM sessions',
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        gen: Number(r.gen),
        revokedReason: r.revoked_at === null ? null : (r.revoked_reason ?? 'unknown'),
      },
    ]),
  );
}

/** Audit events by type, e.g. { refresh: 480, reuse_detected: 0 }. */
export async function eventCounts(databaseUrl: string): Promise<Record<string, number>> {
  const rows = await query<{ type: string; n: number | string }>(
    databaseUrl,
    'SELECT type, COUNT(*) AS n FROM auth_events GROUP BY type',
  );
  return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
}

async function query<T>(databaseUrl: string, sql: string): Promise<T[]> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const db = new Database(databaseUrl.replace(/^file:/, ''), { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

export interface SeedUser {
  readonly username: string;
  readonly password: string;
  readonly admin?: boolean;
}

/** Creates (and migrates) the database and its users, through the same code as the users command. */
export async function seedUsers(databaseUrl: string, users: readonly SeedUser[]): Promise<void> {
  const store: Store = /^postgres(ql)?:\/\//.test(databaseUrl)
    ? await openPostgresStore(databaseUrl)
    : await openSqliteStore(databaseUrl.replace(/^file:/, ''));
  try {
    const admin = createUserAdmin({
      store,
      hasher: createArgon2Hasher(),
      clock: systemClock,
      random: cryptoRandom,
    });
    for (const user of users) {
      await admin.add({
        username: user.username,
        displayName: user.username,
        password: user.password,
        admin: user.admin ?? false,
      });
    }
  } finally {
    await store.close();
  }
}

/**
 * A fresh schema of the local PostgreSQL holding these users (one password for all), dropped by
 * the script's cleanup; its DATABASE_URL.
 */
export async function freshSeededSchema(
  schema: string,
  usernames: readonly string[],
  password: string,
  cleanup: (step: () => Promise<unknown>) => void,
): Promise<string> {
  await ensureSchema(LOCAL_POSTGRES, schema, { fresh: true });
  cleanup(() => dropSchema(LOCAL_POSTGRES, schema));
  const databaseUrl = schemaUrl(LOCAL_POSTGRES, schema);
  await seedUsers(
    databaseUrl,
    usernames.map((username) => ({ username, password })),
  );
  return databaseUrl;
}
