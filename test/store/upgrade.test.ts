import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse, type Gatehouse } from '../../lib/auth/gatehouse';
import type { Store } from '../../lib/auth/store';
import { createUserAdmin } from '../../lib/auth/users';
import { manualClock } from '../../lib/edge/clock';
import { parseConfig } from '../../lib/edge/config';
import { hasCode, InvalidGrantError } from '../../lib/edge/errors';
import { cryptoRandom } from '../../lib/edge/random';
import { migrations } from '../../lib/store/migrations';
import { openPostgresStore } from '../../lib/store/postgres';
import { openSqliteStore } from '../../lib/store/sqlite';
import { cheapHasher, META } from '../helpers';
import { dropSchema, freshSchema, POSTGRES_URL, withClient } from './postgres-schema';

/**
 * Databases written by the hand-written stores (test/fixtures/upgrade-v1, see its README),
 * opened by today's store: the migrations adopt them in place, and every session, password and
 * ended session behaves as it did.
 */
const FIXTURE = join(__dirname, '..', 'fixtures', 'upgrade-v1');

interface Facts {
  secret: string;
  lastWriteAt: number;
  password: string;
  tokens: Record<
    'aliceLive' | 'aliceSignedOut' | 'bobLive' | 'carolBanned' | 'daveDeleted',
    { refreshToken: string; sessionId: string; previous?: string }
  >;
}
const facts = JSON.parse(readFileSync(join(FIXTURE, 'facts.json'), 'utf8')) as Record<
  'sqlite' | 'postgres',
  Facts
>;

interface Opened {
  store: Store;
  /** The schema's shape: tables, columns, indexes, constraints, comparable across databases. */
  shape(): Promise<unknown>;
  tables(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** Builds a Gatehouse on the upgraded store as a server would, at a minute after the story ended. */
async function gatehouseOn(store: Store, f: Facts): Promise<Gatehouse> {
  return createGatehouse({
    config: parseConfig({ AUTH_SECRET: f.secret }),
    store,
    clock: manualClock(f.lastWriteAt + 60_000),
    hasher: cheapHasher(),
  });
}

async function refusal(call: Promise<unknown>): Promise<InvalidGrantError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(hasCode(error, 'invalid_grant'), String(error)).toBe(true);
  return error as InvalidGrantError;
}

function upgradeSuite(
  dialect: 'sqlite' | 'postgres',
  open: () => Promise<Opened>,
  fresh: () => Promise<Opened>,
) {
  describe(`Upgrading a ${dialect} database made by the hand-written store`, () => {
    const f = facts[dialect];
    let db: Opened;
    let gh: Gatehouse;
    beforeAll(async () => {
      db = await open();
      gh = await gatehouseOn(db.store, f);
    });
    afterAll(async () => db?.cleanup());

    it('adopts the tables: the old record stays, the new migrations are recorded, nothing recreated', async () => {
      expect(await db.tables()).toEqual([
        'auth_events',
        'kysely_migration',
        'kysely_migration_lock',
        'meta',
        'mfa_steps',
        'passkeys',
        'password_links',
        'recovery_codes',
        'schema_migrations',
        'sessions',
        'totp_factors',
        'users',
        'webauthn_challenges',
      ]);
      const made = await fresh();
      try {
        // Same columns, types, constraints and indexes as a database the new store creates.
        expect(await db.shape()).toEqual(await made.shape());
      } finally {
        await made.cleanup();
      }
    });

    it("refreshes alice's live session (generation 2 to 3); her previous token is then reuse", async () => {
      const { aliceLive } = f.tokens;
      const pair = await gh.sessions.refresh(aliceLive.refreshToken, META);
      expect(pair.sessionId).toBe(aliceLive.sessionId);
      expect(pair.user).toMatchObject({ username: 'alice', admin: true });
      expect(await db.store.findSession(aliceLive.sessionId)).toMatchObject({ gen: 3, revokedAt: null });
      expect((await refusal(gh.sessions.refresh(aliceLive.previous!, META))).reason).toBe('reuse_detected');
      expect(await db.store.findSession(aliceLive.sessionId)).toMatchObject({
        revokedReason: 'reuse_detected',
      });
    });

    it("refreshes Bob's generation-0 session", async () => {
      const pair = await gh.sessions.refresh(f.tokens.bobLive.refreshToken, META);
      expect(pair.user.username).toBe('Bob');
      expect(await db.store.findSession(f.tokens.bobLive.sessionId)).toMatchObject({ gen: 1 });
    });

    it('keeps ended sessions ended: signed out, banned, deleted', async () => {
      const { aliceSignedOut, carolBanned, daveDeleted } = f.tokens;
      for (const token of [aliceSignedOut, carolBanned, daveDeleted]) {
        await refusal(gh.sessions.refresh(token.refreshToken, META));
      }
    });

    it('signs in with the passwords it was given, whatever the case of the username', async () => {
      const alice = await gh.sessions.login('alice', f.password, META);
      expect(alice.user).toMatchObject({ username: 'alice', admin: true });
      const bob = await gh.sessions.login('bob', f.password, META);
      expect(bob.user).toMatchObject({ username: 'Bob', admin: false });
      await expect(gh.sessions.login('alice', 'not-the-password', META)).rejects.toMatchObject({
        code: 'invalid_credentials',
      });
    });

    it('lists the same users and the whole audit trail', async () => {
      const admin = createUserAdmin({
        store: db.store,
        hasher: cheapHasher(),
        clock: manualClock(f.lastWriteAt + 60_000),
        random: cryptoRandom,
      });
      expect((await admin.list()).map((u) => [u.username, u.admin, u.status])).toEqual([
        ['alice', true, 'active'],
        ['Bob', false, 'active'],
        ['carol', false, 'banned'],
      ]);
      const old = (await db.store.listEvents({ limit: 1000 })).filter((e) => e.at <= f.lastWriteAt);
      expect(old).toHaveLength(15);
      expect(new Set(old.map((e) => e.type))).toEqual(
        new Set(['user_created', 'login_ok', 'refresh', 'logout', 'login_failed', 'ban', 'user_deleted']),
      );
    });
  });
}

// SQLite: a copy of the committed file, never the file itself.
const SHAPE_TABLES = "('users', 'sessions', 'auth_events', 'meta', 'password_links')";
async function openSqlite(source: string | null): Promise<Opened> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-upgrade-'));
  const path = join(dir, 'gatehouse.db');
  if (source) copyFileSync(source, path);
  const store = await openSqliteStore(path);
  const read = <T>(query: (raw: Database.Database) => T): T => {
    const raw = new Database(path, { readonly: true });
    try {
      return query(raw);
    } finally {
      raw.close();
    }
  };
  return {
    store,
    tables: async () =>
      read(
        (raw) =>
          raw
            .prepare(
              "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .pluck()
            .all() as string[],
      ),
    shape: async () =>
      read((raw) =>
        (
          raw
            .prepare(
              `SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ${SHAPE_TABLES} ORDER BY name`,
            )
            .all() as { type: string; name: string; sql: string | null }[]
        ).map((r) => ({ ...r, sql: r.sql?.replace(/\s+/g, ' ') ?? null })),
      ),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// PostgreSQL: the dump loaded into a throwaway schema.
async function openPostgres(load: boolean): Promise<Opened> {
  const schema = freshSchema();
  if (load) {
    const dump = readFileSync(join(FIXTURE, 'postgres.sql'), 'utf8')
      .replaceAll('gatehouse_fixture', schema)
      .split('\n')
      // psql's own commands (\restrict), and the dump's emptying of search_path for its session.
      .filter(
        (line) => !line.startsWith('\\') && !line.startsWith("SELECT pg_catalog.set_config('search_path'"),
      )
      .join('\n');
    await withClient(undefined, (c) => c.query(dump));
  }
  const store = await openPostgresStore(POSTGRES_URL, { schema, max: 4 });
  const query = async (text: string) =>
    (await withClient(schema, (c) => c.query(text, [schema]))).rows.map((row) =>
      JSON.parse(JSON.stringify(row).replaceAll(schema, 'SCHEMA')),
    );
  return {
    store,
    tables: async () =>
      (
        await query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1')
      ).map((r) => r.table_name),
    shape: async () => ({
      columns: await query(
        `SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default
         FROM information_schema.columns WHERE table_schema = $1
         AND table_name IN ${SHAPE_TABLES} ORDER BY table_name, ordinal_position`,
      ),
      indexes: await query(
        `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1
         AND tablename IN ${SHAPE_TABLES} ORDER BY indexname`,
      ),
      constraints: await query(
        `SELECT conrelid::regclass::text AS tbl, contype, pg_get_constraintdef(oid) AS def FROM pg_constraint
         WHERE connamespace = $1::regnamespace AND conrelid::regclass::text IN ${SHAPE_TABLES}
         ORDER BY 1, 2, 3`,
      ),
    }),
    cleanup: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
}

upgradeSuite(
  'sqlite',
  () => openSqlite(join(FIXTURE, 'gatehouse.db')),
  () => openSqlite(null),
);
upgradeSuite(
  'postgres',
  () => openPostgres(true),
  () => openPostgres(false),
);

describe('The upgrade fixture', () => {
  it('is left as the old code wrote it', () => {
    const raw = new Database(join(FIXTURE, 'gatehouse.db'), { readonly: true, fileMustExist: true });
    try {
      const tables = raw
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).not.toContain('kysely_migration');
      expect(raw.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    } finally {
      raw.close();
    }
    expect(Object.keys(migrations('sqlite'))[0]).toBe('0001_initial');
  });
});
