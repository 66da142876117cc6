import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArgon2Hasher } from '../../lib/auth/passwords';
import { signAccessToken, verifyAccessToken } from '../../lib/edge/access-token';
import { InvalidTokenError } from '../../lib/edge/errors';
import { parseConfig, type AuthConfig } from '../../lib/edge/config';
import { keyringFor } from '../../lib/edge/keys';
import { cryptoRandom, randomId } from '../../lib/edge/random';
import { openSqliteStore } from '../../lib/store/sqlite';
import { startBuiltServer, stopServer, waitUntilUp } from '../support/built-server';
import { cookiesSet, createClient, type Client } from './client';

/**
 * The built app as `npm start` serves it (server.ts, production), on a throwaway SQLite
 * database holding the bench's users, with a secret this process knows (so it can age an
 * access token the way the clock would) and the sign-in shedding raised: the bench signs in
 * far faster than a person, and the shedding is not what it measures.
 */
export const PASSWORD = 'bench password, long enough';
const USERS = 20;

export interface AppServer {
  readonly client: Client;
  readonly config: AuthConfig;
  readonly usernames: readonly string[];
  /** Signs in over the JSON API; the cookies it set, as a browser would keep them. */
  signIn(username: string): Promise<Map<string, string>>;
  /** The same session's access cookie, re-signed with an expiry a minute ago. */
  expireAccess(jar: ReadonlyMap<string, string>): Promise<Map<string, string>>;
  /** Writes to one session's row so far (a trigger counts every UPDATE), and its generation. */
  sessionWrites(sessionId: string): {
    writes: number;
    gen: number;
    refreshEvents: number;
    reuseEvents: number;
  };
  stop(): Promise<void>;
}

export async function startAppServer(host: string, port: number): Promise<AppServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const dbPath = join(dir, 'bench.db');
  const env = {
    AUTH_SECRET: randomBytes(32).toString('base64url'),
    AUTH_PUBLIC_URL: `http://${host}:${port}`,
    AUTH_COOKIE_SECURE: 'false',
    AUTH_ACCESS_TTL: '900',
    AUTH_REFRESH_TTL: '7200',
    AUTH_THROTTLE_BURST: '100000',
    AUTH_THROTTLE_RATE: '100000',
    AUTH_MAX_SESSIONS: '10000',
  };
  const config = parseConfig(env);
  const keyring = await keyringFor(config.secret, config.previousSecrets);

  const usernames = Array.from({ length: USERS }, (_, i) => `bench${i}`);
  const store = await openSqliteStore(dbPath);
  try {
    const passwordHash = await createArgon2Hasher().hash(PASSWORD);
    for (const username of usernames) {
      await store.createUser({
        id: randomId(cryptoRandom),
        username,
        displayName: `Bench ${username.slice(5)}`,
        passwordHash,
        admin: false,
        now: Date.now(),
      });
    }
  } finally {
    await store.close();
  }
  const db = new Database(dbPath);
  db.exec(`CREATE TABLE bench_session_writes (session_id TEXT NOT NULL);
    CREATE TRIGGER bench_count_session_writes AFTER UPDATE ON sessions
    BEGIN INSERT INTO bench_session_writes VALUES (NEW.id); END;`);

  let server: ChildProcess | undefined = startBuiltServer({ host, port, dbPath, env });
  const client = createClient(host, port);
  const stop = async () => {
    client.close();
    if (server) await stopServer(server);
    server = undefined;
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilUp(server, client.origin);
  } catch (error) {
    await stop();
    throw error;
  }

  const one = (sql: string, ...params: unknown[]) =>
    db
      .prepare(sql)
      .pluck()
      .get(...params) as number;
  return {
    client,
    config,
    usernames,
    async signIn(username) {
      const res = await client.send(
        'POST',
        '/api/auth/login',
        { 'content-type': 'application/json', accept: 'application/json' },
        JSON.stringify({ username, password: PASSWORD }),
      );
      if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${res.body.slice(0, 200)}`);
      return cookiesSet(res.setCookie);
    },
    async expireAccess(jar) {
      const claims = accessClaims(jar, config);
      const now = Date.now();
      // The server's own token verifies with this keyring: the bench holds the server's key.
      await verifyAccessToken(jar.get(config.cookieNames.access), keyring, config, { now });
      const expired = await signAccessToken(keyring, config, {
        ...claims,
        now: now - config.accessTtl * 1000,
        expiresAt: now - 60_000,
      });
      // …and the aged one fails as expired, not as forged: the refresh runs for the right reason.
      const reason = await verifyAccessToken(expired, keyring, config, { now }).then(
        () => 'valid',
        (error: unknown) => (error instanceof InvalidTokenError ? error.reason : String(error)),
      );
      if (reason !== 'expired') throw new Error(`the aged access token reads as ${reason}, not expired`);
      return new Map(jar).set(config.cookieNames.access, expired);
    },
    sessionWrites(sessionId) {
      const events = (type: string) =>
        one('SELECT count(*) FROM auth_events WHERE session_id = ? AND type = ?', sessionId, type);
      return {
        writes: one('SELECT count(*) FROM bench_session_writes WHERE session_id = ?', sessionId),
        gen: one('SELECT gen FROM sessions WHERE id = ?', sessionId),
        refreshEvents: events('refresh'),
        reuseEvents: events('reuse_detected'),
      };
    },
    stop,
  };
}

/** The claims of a jar's access cookie (read, not verified: the bench made the server sign it). */
export function accessClaims(jar: ReadonlyMap<string, string>, config: AuthConfig) {
  const token = jar.get(config.cookieNames.access);
  if (!token) throw new Error('no access cookie');
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
    sub: string;
    sid: string;
    name: string;
    admin: boolean;
    jti: string;
    amr?: string[];
  };
  const { sub, sid, name, admin, jti } = payload;
  return { sub, sid, name, admin, jti, amr: payload.amr ?? [] };
}
