import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { randomId, cryptoRandom } from '../../edge/random';
import { makeRig, META } from '../../../test/helpers';
import { storeContract } from '../contract';
import { migrations } from './migrations';
import { openPostgresStore } from './store';

/**
 * The contract suite against a real PostgreSQL (running on every development and CI machine
 * of this project), each test in a throwaway schema. TEST_POSTGRES_URL picks another server.
 */
const URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const freshSchema = () => `gatehouse_test_${randomId(cryptoRandom, 6).toLowerCase().replace(/[^a-z0-9]/g, '_')}`;

async function dropSchema(schema: string) {
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

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
      const client = new pg.Client({ connectionString: URL, options: `-c search_path=${schema}` });
      await client.connect();
      const { rows } = await client.query('SELECT version, name FROM schema_migrations ORDER BY version');
      await client.end();
      expect(rows).toEqual(migrations.map(({ version, name }) => ({ version, name })));
    } finally {
      await dropSchema(schema);
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(openPostgresStore(URL, { schema: 'x; DROP TABLE users' })).rejects.toThrow(/invalid schema name/);
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
