import { isAbsolute, resolve } from 'node:path';
import type { DatabaseLocation } from '../edge/config';
import type { Store } from '../auth/store';
import { openPostgresStore } from './postgres';
import { openSqliteStore } from './sqlite';

/**
 * Opens (and migrates) the store DATABASE_URL names: a SQLite file — relative paths are
 * relative to `cwd` — or a PostgreSQL database for several instances.
 */
export async function openStore(location: DatabaseLocation, cwd = process.cwd()): Promise<Store> {
  if (location.kind === 'postgres') return openPostgresStore(location.url);
  const path = location.path === ':memory:' || isAbsolute(location.path) ? location.path : resolve(cwd, location.path);
  return openSqliteStore(path);
}
