import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../../lib/edge/errors';
import { migrations } from '../../lib/store/migrations';
import { openSqliteStore } from '../../lib/store/sqlite';
import { storeContract } from './contract';

const tempDir = () => mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-'));
const EVENT = {
  at: 1,
  type: 'login_ok',
  userId: null,
  sessionId: null,
  ip: null,
  userAgent: null,
  detail: null,
} as const;

storeContract('SQLite (file)', async () => {
  const dir = tempDir();
  const store = await openSqliteStore(join(dir, 'nested', 'db.sqlite'));
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

storeContract('SQLite (in memory)', async () => {
  const store = await openSqliteStore(':memory:');
  return { store, close: () => store.close() };
});

describe('SQLite migrations', () => {
  it('answers "temporarily unavailable" when another process holds the write lock past the busy timeout', async () => {
    const dir = tempDir();
    const path = join(dir, 'db.sqlite');
    try {
      await (await openSqliteStore(path)).close();
      const other = new Database(path);
      other.exec('BEGIN IMMEDIATE');
      try {
        const opening = openSqliteStore(path, { busyTimeout: 50 });
        await expect(opening).rejects.toSatisfy((error) => hasCode(error, 'temporarily_unavailable'));
        await expect(opening).rejects.toThrow(/locked by another process/);
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      await (await openSqliteStore(path)).close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies every migration once, in WAL mode, and is idempotent on reopen', async () => {
    const dir = tempDir();
    const path = join(dir, 'db.sqlite');
    try {
      await (await openSqliteStore(path)).close();
      await (await openSqliteStore(path)).close();
      const db = new Database(path, { readonly: true });
      const applied = db.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all();
      expect(applied).toEqual(Object.keys(migrations('sqlite')));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      // Only databases made by the hand-written stores have their record.
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'schema_migrations'").all()).toEqual([]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('apply once when several processes open a new database together', async () => {
    const dir = tempDir();
    const path = join(dir, 'db.sqlite');
    const script = join(dir, 'open.mts');
    writeFileSync(
      script,
      `import { openSqliteStore } from ${JSON.stringify(resolve('lib/store/sqlite.ts'))};
       const store = await openSqliteStore(${JSON.stringify(path)});
       await store.recordEvent(${JSON.stringify(EVENT)});
       await store.close();`,
    );
    // Hold the write lock while the processes start, so they all queue for it and race when it goes.
    const holder = new Database(path);
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    try {
      const runs = [1, 2, 3, 4].map(
        () =>
          new Promise<{ code: number; err: string }>((done) =>
            execFile(
              process.execPath,
              [join('node_modules', 'tsx', 'dist', 'cli.mjs'), script],
              (error, _out, err) => done({ code: error ? Number(error.code ?? 1) : 0, err }),
            ),
          ),
      );
      await new Promise((r) => setTimeout(r, 1500));
      holder.exec('COMMIT');
      for (const run of await Promise.all(runs)) expect(run).toEqual({ code: 0, err: '' });
      const applied = holder.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all();
      expect(applied).toEqual(Object.keys(migrations('sqlite')));
      expect(holder.prepare('SELECT count(*) FROM auth_events').pluck().get()).toBe(4);
    } finally {
      holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('apply all or nothing: a failing migration leaves the database as it was', async () => {
    const dir = tempDir();
    const path = join(dir, 'db.sqlite');
    try {
      // A stray table named like the last one 0001 creates makes it fail halfway through.
      const db = new Database(path);
      db.exec('CREATE TABLE meta (x)');
      await expect(openSqliteStore(path)).rejects.toThrow(/0001_initial failed: table meta already exists/);
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual(['meta']);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite file permissions', () => {
  it('creates directories 0700 and the database, WAL and SHM files 0600, whatever the umask', async () => {
    const dir = tempDir();
    const old = process.umask(0o022);
    try {
      const path = join(dir, 'made', 'here', 'db.sqlite');
      const store = await openSqliteStore(path);
      await store.recordEvent(EVENT);
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect(mode(join(dir, 'made'))).toBe(0o700);
      expect(mode(join(dir, 'made', 'here'))).toBe(0o700);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file), file).toBe(0o600);
      await store.close();
      // A file left world-readable by an older version is tightened on the next open.
      chmodSync(path, 0o644);
      await (await openSqliteStore(path)).close();
      expect(mode(path)).toBe(0o600);
    } finally {
      process.umask(old);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite outage', () => {
  it('answers temporarily_unavailable while another process holds the lock past the busy timeout, then works again', async () => {
    const dir = tempDir();
    const path = join(dir, 'db.sqlite');
    const store = await openSqliteStore(path, { busyTimeout: 50 });
    const other = new Database(path);
    try {
      await store.createUser({
        id: 'u1',
        username: 'jon',
        displayName: 'Jon',
        passwordHash: 'h',
        admin: false,
        now: 1,
      });
      other.exec('BEGIN EXCLUSIVE');
      const writes = [
        store.recordEvent(EVENT),
        store.createUser({
          id: 'u2',
          username: 'ada',
          displayName: 'Ada',
          passwordHash: 'h',
          admin: false,
          now: 1,
        }),
        store.updateUser('u1', { status: 'banned' }, 2),
        store.purge({ sessionsEndedBefore: 10, eventsBefore: 10 }),
      ];
      for (const write of writes) {
        const error = await write.then(
          () => null,
          (e: unknown) => e,
        );
        expect(hasCode(error, 'temporarily_unavailable'), String(error)).toBe(true);
        expect((error as Error).cause).toMatchObject({ code: 'SQLITE_BUSY' });
      }
      other.exec('COMMIT');
      // The same store, not reopened.
      await expect(store.updateUser('u1', { status: 'banned' }, 2)).resolves.toMatchObject({
        status: 'banned',
      });
      await expect(store.recordEvent(EVENT)).resolves.toBeUndefined();
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
