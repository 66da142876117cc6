import { mkdtempSync, rmSync } from 'node:fs';
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
