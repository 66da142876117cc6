import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { storeContract } from '../contract';
import { migrations } from './migrations';
import { openSqliteStore } from './store';

storeContract('SQLite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-'));
  const store = openSqliteStore(join(dir, 'nested', 'db.sqlite'));
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite migrations', () => {
  it('applies every migration once, in WAL mode, and is idempotent on reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-'));
    const path = join(dir, 'db.sqlite');
    try {
      await openSqliteStore(path).close();
      await openSqliteStore(path).close();
      const db = new Database(path, { readonly: true });
      const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      expect(applied).toEqual(migrations.map(({ version, name }) => ({ version, name })));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite file permissions', () => {
  it('creates directories 0700 and the database, WAL and SHM files 0600, whatever the umask', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-'));
    const old = process.umask(0o022);
    try {
      const path = join(dir, 'made', 'here', 'db.sqlite');
      const store = openSqliteStore(path);
      await store.recordEvent({ at: 1, type: 'login_ok', userId: null, sessionId: null, ip: null, userAgent: null, detail: null });
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect(mode(join(dir, 'made'))).toBe(0o700);
      expect(mode(join(dir, 'made', 'here'))).toBe(0o700);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file), file).toBe(0o600);
      await store.close();
      // A file left world-readable by an older version is tightened on the next open.
      chmodSync(path, 0o644);
      await openSqliteStore(path).close();
      expect(mode(path)).toBe(0o600);
    } finally {
      process.umask(old);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
