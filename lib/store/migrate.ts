import type BetterSqlite3 from 'better-sqlite3';
import { Migrator, type Kysely } from 'kysely';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

/**
 * Brings the database up to the latest migration with Kysely's Migrator (its record is the
 * `kysely_migration` table; the hand-written stores' `schema_migrations` stays as a harmless
 * record, and 0001 adopts the tables it describes).
 *
 * Several processes may start at once. On PostgreSQL the Migrator holds an advisory lock while it
 * applies migrations, in one transaction. On SQLite it takes no lock (it assumes one process), so
 * the whole run happens inside our own BEGIN IMMEDIATE: the second process waits for the write
 * lock (busy_timeout), then finds nothing left to do; a failed migration rolls back entirely.
 */
export async function migrateSqlite(db: Kysely<Database>, connection: BetterSqlite3.Database): Promise<void> {
  connection.exec('BEGIN IMMEDIATE');
  let failed = true;
  try {
    await run(new Migrator({ db, provider: migrationProvider('sqlite') }));
    failed = false;
  } finally {
    if (connection.inTransaction) connection.exec(failed ? 'ROLLBACK' : 'COMMIT');
  }
}

/** `schema` is where our tables are (search_path); the Migrator keeps its own tables there too. */
export async function migratePostgres(db: Kysely<Database>, schema: string): Promise<void> {
  await run(new Migrator({ db, provider: migrationProvider('postgres'), migrationTableSchema: schema }));
}

async function run(migrator: Migrator): Promise<void> {
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((r) => r.status === 'Error')?.migrationName;
  throw new Error(
    `database migration ${failed ?? ''} failed: ${(error as Error)?.message ?? String(error)}`,
    {
      cause: error,
    },
  );
}
