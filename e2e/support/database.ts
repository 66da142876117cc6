import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Store } from '../../lib/auth/store';
import { openPostgresStore } from '../../lib/store/postgres';
import { openSqliteStore } from '../../lib/store/sqlite';
import { ensureSchema, LOCAL_POSTGRES, schemaUrl } from '../../scripts/support/postgres-schema';
import { CLUSTER, type Profile } from './env';

/**
 * A server's database as the launcher and the tests reach it, whatever the shape: a single
 * server's SQLite file, or the PostgreSQL schema a cluster's instances share (E2E_CLUSTER=1).
 * Tests read and write it as another instance or the users command would.
 *
 * On PostgreSQL each server's instances log in as a role of their own, which owns the schema
 * (both named `profile.pgName`): locking that role out is the cluster's database outage, as
 * holding SQLite's write lock is the single server's (cutDatabase). The tests themselves
 * connect as the administrator, so an outage never locks them out of checking what happened.
 */
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? LOCAL_POSTGRES;

const sqlitePath = (profile: Profile) => join(profile.dataDir, 'gatehouse.db');

/** DATABASE_URL for the tests and the users command: the server's file, or its schema. */
export function databaseUrl(profile: Profile): string {
  return CLUSTER ? schemaUrl(POSTGRES_URL, profile.pgName) : `file:${sqlitePath(profile)}`;
}

/** Opens the server's database for the length of `use`. */
export function withStore<T>(profile: Profile, use: (store: Store) => Promise<T>): Promise<T> {
  return withDatabase(databaseUrl(profile), use);
}

/** Opens (and migrates) the database a DATABASE_URL names. */
export function openDatabase(url: string): Promise<Store> {
  return url.startsWith('file:') ? openSqliteStore(url.slice('file:'.length)) : openPostgresStore(url);
}

/** Opens the database a DATABASE_URL names for the length of `use`. */
export async function withDatabase<T>(url: string, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await openDatabase(url);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/**
 * An empty database for a server about to start, and the DATABASE_URL its instances use.
 * SQLite: a new file. PostgreSQL: the schema dropped and made again, owned by the server's
 * role, whose password is new on every run.
 */
export async function freshDatabase(profile: Profile): Promise<string> {
  if (!CLUSTER) {
    rmSync(profile.dataDir, { recursive: true, force: true });
    mkdirSync(profile.dataDir, { recursive: true });
    return `file:${sqlitePath(profile)}`;
  }
  const role = profile.pgName;
  const password = randomBytes(18).toString('base64url');
  await asAdministrator(async (client) => {
    // IF NOT EXISTS, and LOGIN again: a run stopped during an outage test leaves it locked out.
    await client.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role}; END IF; END $$`,
    );
    await client.query(`ALTER ROLE ${role} LOGIN PASSWORD '${password}'`);
  });
  await ensureSchema(POSTGRES_URL, profile.pgName, { fresh: true });
  await asAdministrator((client) => client.query(`ALTER SCHEMA ${profile.pgName} OWNER TO ${role}`));
  const url = new URL(schemaUrl(POSTGRES_URL, profile.pgName));
  url.username = role;
  url.password = password;
  return url.toString();
}

/** The server's database refusing it until restore(): every request that needs it fails. */
export interface Outage {
  /** Idempotent. */
  restore(): Promise<void>;
}

/**
 * Takes the server's database away. SQLite: another process holds the write lock (as a long
 * migration, a bulk import or a stuck tool would), so every write waits out its busy timeout
 * and fails; reads go on (WAL). PostgreSQL: the instances' role may no longer log in and its
 * connections are terminated, so reads and writes fail alike until it may again.
 */
export async function cutDatabase(profile: Profile): Promise<Outage> {
  if (!CLUSTER) {
    let holder: Database.Database | undefined = new Database(sqlitePath(profile));
    holder.exec('BEGIN EXCLUSIVE');
    return {
      async restore() {
        holder?.exec('COMMIT');
        holder?.close();
        holder = undefined;
      },
    };
  }
  const role = profile.pgName;
  await asAdministrator(async (client) => {
    await client.query(`ALTER ROLE ${role} NOLOGIN`);
    await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
  });
  return { restore: () => asAdministrator((client) => client.query(`ALTER ROLE ${role} LOGIN`)) };
}

async function asAdministrator(use: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end();
  }
}
