import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Store } from '../auth/store';
import { UnavailableError } from '../edge/errors';
import { migrateSqlite } from './migrate';
import { createPrivately, restrictSidecars } from './private-file';
import type { Database } from './schema';
import { createStore } from './store';

export interface SqliteOptions {
  /** How long a statement waits for another process's write lock, ms; default 5000. */
  readonly busyTimeout?: number;
}

/**
 * The default store: one SQLite file through better-sqlite3, in WAL mode so the server and the
 * `users` command can use it at once. Creates the file privately and migrates it.
 */
export async function openSqliteStore(path: string, options: SqliteOptions = {}): Promise<Store> {
  const memory = path === ':memory:';
  if (!memory) createPrivately(path);
  const connection = new SQLite(path);
  try {
    connection.pragma('journal_mode = WAL');
    if (!memory) restrictSidecars(path);
    connection.pragma('synchronous = NORMAL');
    connection.pragma('foreign_keys = ON');
    connection.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeout ?? 5000))}`);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
    await migrateSqlite(db, connection);
    return createStore(db, 'sqlite');
  } catch (error) {
    connection.close();
    // Another process (the users command, a second server) held the write lock past the busy
    // timeout: a state to wait out, not a crash to print with a stack.
    if ((error as { code?: unknown })?.code === 'SQLITE_BUSY')
      throw new UnavailableError('the database is locked by another process; try again', { cause: error });
    throw error;
  }
}
