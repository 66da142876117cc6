import { isAbsolute, resolve } from 'node:path';
import type { DatabaseLocation } from '../auth/config';
import { ConfigError } from '../auth/errors';
import type { Store } from '../auth/store';
import { openSqliteStore } from './sqlite/store';

/** Opens the store DATABASE_URL names. Relative SQLite paths are relative to `cwd`. */
export function openStore(location: DatabaseLocation, cwd = process.cwd()): Store {
  if (location.kind === 'sqlite') {
    const path = location.path === ':memory:' || isAbsolute(location.path) ? location.path : resolve(cwd, location.path);
    return openSqliteStore(path);
  }
  throw new ConfigError([
    'DATABASE_URL names a Postgres database, but this build of Gatehouse ships only the SQLite store.',
  ]);
}
