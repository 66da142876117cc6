import { describe, expect, it } from 'vitest';
import { hasCode } from '../../lib/edge/errors';
import { migrations } from '../../lib/store/migrations';
import { openPostgresStore } from '../../lib/store/postgres';
import { makeRig, META } from '../helpers';
import { storeContract } from './contract';
import { dropSchema, freshSchema, POSTGRES_URL as URL, withClient } from './postgres-schema';

/** The contract suite against a real PostgreSQL, each test in a throwaway schema. */
storeContract('PostgreSQL', async () => {
  const schema = freshSchema();
  const store = await openPostgresStore(URL, { schema, max: 4 });
  return {
    store,
    close: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
});

describe('PostgreSQL migrations', () => {
  it('apply once even when several instances start together', async () => {
    const schema = freshSchema();
    try {
      const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(URL, { schema, max: 2 })));
      await Promise.all(stores.map((s) => s.close()));
      const { rows } = await withClient(schema, (c) =>
        c.query('SELECT name FROM kysely_migration ORDER BY name'),
      );
      expect(rows.map((r) => r.name)).toEqual(Object.keys(migrations('postgres')));
      const { rows: tables } = await withClient(schema, (c) =>
        c.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [
          schema,
        ]),
      );
      expect(tables.map((t) => t.table_name)).toEqual([
        'auth_events',
        'kysely_migration',
        'kysely_migration_lock',
        'meta',
        'mfa_steps',
        'passkeys',
        'password_links',
        'recovery_codes',
        'sessions',
        'totp_factors',
        'users',
        'webauthn_challenges',
      ]);
    } finally {
      await dropSchema(schema);
    }
  });

  it('creates the schema a DATABASE_URL chooses through search_path, if it does not exist yet', async () => {
    const schema = freshSchema();
    const url = new globalThis.URL(URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    try {
      const stores = await Promise.all([1, 2].map(() => openPostgresStore(url.toString(), { max: 2 })));
      await Promise.all(stores.map((s) => s.close()));
      const { rows } = await withClient(undefined, (c) =>
        c.query('SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1', [schema]),
      );
      expect(rows[0].n).toBeGreaterThanOrEqual(5);
    } finally {
      await dropSchema(schema);
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(openPostgresStore(URL, { schema: 'x; DROP TABLE users' })).rejects.toThrow(
      /invalid schema name/,
    );
  });
});

describe('PostgreSQL under two instances', () => {
  it('20 concurrent refreshes of one token across two instances: all succeed, one rotation, session alive', async () => {
    const schema = freshSchema();
    const [storeA, storeB] = await Promise.all([
      openPostgresStore(URL, { schema, max: 5 }),
      openPostgresStore(URL, { schema, max: 5 }),
    ]);
    try {
      const a = await makeRig({}, storeA);
      const b = await makeRig({}, storeB);
      await a.addUser('jon');
      const pair = await a.gh.sessions.login('jon', 'password', META);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).gh.sessions.refresh(pair.refreshToken, META)),
      );
      expect(results).toHaveLength(20);
      expect(await storeA.findSession(pair.sessionId)).toMatchObject({ gen: 1, revokedAt: null });
      expect((await storeA.listEvents()).filter((e) => e.type === 'refresh')).toHaveLength(1);
    } finally {
      await Promise.all([storeA.close(), storeB.close()]);
      await dropSchema(schema);
    }
  });
});

describe('PostgreSQL outage', () => {
  it('answers temporarily_unavailable while the database refuses us, and recovers without reopening', async () => {
    const schema = freshSchema();
    const role = `${schema}_role`;
    await withClient(undefined, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN`);
      await c.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${role}`);
    });
    const url = new globalThis.URL(URL);
    url.username = role;
    const store = await openPostgresStore(url.toString(), { schema, max: 2, connectionTimeout: 2000 });
    try {
      await store.createUser({
        id: 'u1',
        username: 'jon',
        displayName: 'Jon',
        passwordHash: 'h',
        admin: false,
        now: 1,
      });
      // Its connections are killed and new ones refused: what a restart or failover looks like.
      await withClient(undefined, async (c) => {
        await c.query(`ALTER ROLE ${role} NOLOGIN`);
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
      });
      for (const call of [
        () => store.findUserByUsername('jon'),
        () => store.findSession('s1'),
        () => store.rotateSession('s1', 0, { rotatedAt: 2, idleExpiresAt: 3 }),
        () => store.listEvents(),
      ]) {
        const error = await call().then(
          () => null,
          (e: unknown) => e,
        );
        expect(hasCode(error, 'temporarily_unavailable'), String(error)).toBe(true);
        expect((error as Error).cause).toBeInstanceOf(Error);
      }
      await withClient(undefined, (c) => c.query(`ALTER ROLE ${role} LOGIN`));
      // The same store instance: the pool reconnects by itself.
      expect(await store.findUserByUsername('JON')).toMatchObject({ id: 'u1' });
    } finally {
      await store.close();
      await dropSchema(schema);
      await withClient(undefined, (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
    }
  });
});
