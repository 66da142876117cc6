import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The database holds password hashes and the audit trail: readable by the server's user only.
 * Directories Gatehouse creates are 0700, and the file is created 0600 before SQLite opens it
 * (SQLite gives its -wal and -shm files the database file's mode). Existing files are
 * tightened too; existing directories are the operator's choice and left alone.
 */
export function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(/*turbopackIgnore: true*/ path))
    closeSync(openSync(/*turbopackIgnore: true*/ path, 'a', 0o600));
  chmodSync(/*turbopackIgnore: true*/ path, 0o600);
}

/** The -wal and -shm files of a database an older version left readable to others. */
export function restrictSidecars(path: string): void {
  // turbopackIgnore: runtime paths, not files for the build to trace.
  for (const file of [`${path}-wal`, `${path}-shm`]) {
    if (existsSync(/*turbopackIgnore: true*/ file)) chmodSync(/*turbopackIgnore: true*/ file, 0o600);
  }
}
