import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../lib/auth/store';
import { handleLogin } from '../lib/http/handlers/login';
import { handleLogout } from '../lib/http/handlers/logout';
import { handleAdmin, handlePrivate } from '../lib/http/handlers/protected';
import { handleToken } from '../lib/http/handlers/token';
import { openPostgresStore } from '../lib/store/postgres';
import { openSqliteStore } from '../lib/store/sqlite';
import { makeRig, type TestRig } from './helpers';
import { freshSchema, POSTGRES_URL, withClient } from './store/postgres-schema';

/**
 * The database cut mid-run, for real: only a token that fails means "signed out". While the
 * database does not answer, every route that needs it answers 503 `temporarily_unavailable`
 * with Retry-After (never a 500, never a 401), no cookie is cleared and no session is ended;
 * the token-only path keeps working; and when the database is back, the same process recovers
 * without a restart.
 */
const ORIGIN = 'http://gatehouse.test';
const A = 'gatehouse-access';
const R = 'gatehouse-refresh';

interface Outage {
  store: Store;
  /** Whether reads fail too, or only writes (SQLite readers never wait for a writer in WAL mode). */
  readsFail: boolean;
  cut(): Promise<void>;
  restore(): Promise<void>;
  dispose(): Promise<void>;
}

/** PostgreSQL: a role of its own whose logins are refused and whose connections are killed. */
async function postgresOutage(): Promise<Outage> {
  const schema = freshSchema();
  const role = `${schema}_role`;
  await withClient(undefined, async (c) => {
    await c.query(`CREATE ROLE ${role} LOGIN`);
    await c.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${role}`);
  });
  const url = POSTGRES_URL.replace('postgres@', `${role}@`);
  const store = await openPostgresStore(url, { schema, max: 4, connectionTimeout: 1000 });
  const admin = (sql: string) => withClient(undefined, (c) => c.query(sql));
  return {
    store,
    readsFail: true,
    cut: async () => {
      await admin(`ALTER ROLE ${role} NOLOGIN`);
      await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${role}'`);
    },
    restore: async () => void (await admin(`ALTER ROLE ${role} LOGIN`)),
    dispose: async () => {
      await store.close();
      await admin(`DROP SCHEMA ${schema} CASCADE`);
      await admin(`DROP ROLE ${role}`);
    },
  };
}

/**
 * SQLite's equivalent: another process holds the write lock (an open exclusive transaction),
 * as a long migration, a bulk import or a stuck tool would. In WAL mode readers carry on, so
 * every write of the server waits out its busy timeout and fails with SQLITE_BUSY.
 */
async function sqliteOutage(): Promise<Outage> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-outage-'));
  const path = join(dir, 'gatehouse.db');
  const store = await openSqliteStore(path, { busyTimeout: 50 });
  let holder: Database.Database | undefined;
  return {
    store,
    readsFail: false,
    cut: async () => {
      holder = new Database(path);
      holder.exec('BEGIN EXCLUSIVE');
    },
    restore: async () => {
      holder?.exec('COMMIT');
      holder?.close();
      holder = undefined;
    },
    dispose: async () => {
      holder?.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function post(path: string, json: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`${ORIGIN}${path}`, {
    method: 'POST',
    headers: { host: 'gatehouse.test', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(json),
  });
}
const get = (path: string, headers: Record<string, string>) =>
  new Request(`${ORIGIN}${path}`, { headers: { host: 'gatehouse.test', ...headers } });

describe.each([
  ['PostgreSQL (role locked out, connections terminated)', postgresOutage],
  ['SQLite (file held exclusively by another process)', sqliteOutage],
])('a database outage: %s', (_name, open) => {
  let outage: Outage;
  let rig: TestRig;
  afterEach(async () => {
    await outage.restore();
    await rig.cleanup();
    await outage.dispose();
  });

  it('is "unavailable", never "signed out", and heals without a restart', async () => {
    outage = await open();
    rig = await makeRig({ AUTH_ACCESS_TTL: '900' }, outage.store);
    await rig.addUser('jon', { name: 'Jon Doe', admin: true });
    const signIn = await handleLogin(
      post('/api/auth/login', { username: 'jon', password: 'password' }),
      rig.gh,
    );
    const tokens = (await signIn.json()) as { access_token: string; refresh_token: string };
    const bearer = { authorization: `Bearer ${tokens.access_token}` };
    const cookies = { cookie: `${A}=${tokens.access_token}; ${R}=${tokens.refresh_token}` };

    await outage.cut();

    // The access path does no I/O: a signed-in request is served as if nothing happened.
    expect((await handlePrivate(get('/api/private', bearer), rig.gh)).status).toBe(200);

    const admin = await handleAdmin(get('/api/admin', bearer), rig.gh);
    if (!outage.readsFail) expect(admin.status).toBe(200);
    const refusals = {
      ...(outage.readsFail ? { admin } : {}),
      refresh: await handleToken(post('/api/auth/token', {}, cookies), rig.gh),
      signIn: await handleLogin(post('/api/auth/login', { username: 'jon', password: 'password' }), rig.gh),
      signOut: await handleLogout(post('/api/auth/logout', {}, cookies), rig.gh),
    };
    for (const [name, res] of Object.entries(refusals)) {
      expect(res.status, name).toBe(503);
      expect(res.headers.get('retry-after'), name).toMatch(/^\d+$/);
      expect(res.headers.getSetCookie(), `${name} must not clear cookies`).toEqual([]);
      expect(await res.json(), name).toMatchObject({ error: 'temporarily_unavailable' });
    }
    if (outage.readsFail) {
      const signedIn = (await rig.gh.authenticate(new Headers(bearer)))!;
      await expect(rig.gh.confirm(signedIn)).rejects.toMatchObject({ code: 'temporarily_unavailable' });
    }

    await outage.restore();

    // Same process, same store: the pool reconnects, the lock is gone. Nobody was signed out.
    expect((await handleAdmin(get('/api/admin', bearer), rig.gh)).status).toBe(200);
    const refreshed = await handleToken(
      post('/api/auth/token', { refresh_token: tokens.refresh_token }),
      rig.gh,
    );
    expect(refreshed.status).toBe(200);
    const session = (await rig.store.listSessions((await rig.store.findUserByUsername('jon'))!.id))[0]!;
    expect(session).toMatchObject({ gen: 1, revokedAt: null });
  });
});
