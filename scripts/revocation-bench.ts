/**
 * npm run bench:revocation — how fast an ended session stops working, and what checking the
 * revocation set costs a page (not a test: nothing here asserts a time; the figures go in the
 * README).
 *
 * Starts the built app (run `npm run build` first) through server.ts on a throwaway SQLite
 * database with 15-minute access tokens, so every refusal measured is the revocation set's
 * doing, never an expiry. Then:
 *
 *  1. Latency, revocation → first refused request, for sessions ended three ways: a sign-out
 *     through the API (this instance wrote it), a session revoked by another process writing
 *     to the same database (another instance, the users command), and a ban the same way.
 *     After each, the old access token is retried every 10 ms on a page (/dashboard: refused
 *     = 307 to /login, the middleware's set) and on the bearer API (/api/private: refused =
 *     401, the Node side's set), and the time to each first refusal is recorded.
 *  2. Throughput of a signed-in page with the check (AUTH_REVOCATION_POLL=2, the default) and
 *     without it (AUTH_REVOCATION_POLL=0), servers started alternately, REV_ROUNDS times each.
 *
 *   REV_TRIALS=20 REV_SECONDS=8 REV_CONCURRENCY=16 REV_ROUNDS=2 npm run bench:revocation
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArgon2Hasher } from '../lib/auth/passwords';
import type { Store } from '../lib/auth/store';
import { cryptoRandom, randomId } from '../lib/edge/random';
import { openSqliteStore } from '../lib/store/sqlite';
import { startBuiltServer, stopServer, waitUntilUp } from './support/built-server';

const ROOT = join(__dirname, '..');
const HOST = '127.0.0.1';
const PORT = Number(process.env.REV_PORT ?? 3392);
const TRIALS = Math.min(Number(process.env.REV_TRIALS ?? 20), 200);
const SECONDS = Math.min(Number(process.env.REV_SECONDS ?? 8), 60);
const CONCURRENCY = Math.min(Number(process.env.REV_CONCURRENCY ?? 16), 256);
const ROUNDS = Math.min(Number(process.env.REV_ROUNDS ?? 2), 10);
const POLL = 2;
const PASSWORD = 'revocation bench password';

interface Reply {
  status: number;
  body: string;
  setCookie: string[];
}

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port: PORT, method, path, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text, setCookie: res.headers['set-cookie'] ?? [] }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

function startServer(dbPath: string, poll: number): ChildProcess {
  return startBuiltServer({
    host: HOST,
    port: PORT,
    dbPath,
    env: {
      AUTH_PUBLIC_URL: `http://${HOST}:${PORT}`,
      AUTH_COOKIE_SECURE: 'false',
      AUTH_ACCESS_TTL: '900',
      AUTH_REFRESH_TTL: '7200',
      AUTH_REVOCATION_POLL: String(poll),
      // The bench signs in far more often than a person: the shedding is not what is measured.
      AUTH_THROTTLE_BURST: '100000',
      AUTH_THROTTLE_RATE: '100000',
      AUTH_MAX_SESSIONS: '10000',
    },
  });
}

const up = (server: ChildProcess) => waitUntilUp(server, `http://${HOST}:${PORT}`);

interface Signed {
  access: string;
  refresh: string;
  sessionId: string;
}

async function signIn(username: string): Promise<Signed> {
  const res = await send(
    'POST',
    '/api/auth/login',
    { 'content-type': 'application/json', accept: 'application/json' },
    JSON.stringify({ username, password: PASSWORD }),
  );
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${res.body}`);
  const body = JSON.parse(res.body) as { access_token: string; refresh_token: string };
  const sid = JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString()).sid as string;
  return { access: body.access_token, refresh: body.refresh_token, sessionId: sid };
}

const pageRefused = async (access: string) => {
  const res = await send('GET', '/dashboard', { cookie: `gatehouse-access=${access}` });
  if (res.status === 200) return false;
  if (res.status === 307) return true;
  throw new Error(`/dashboard answered ${res.status}`);
};
const apiRefused = async (access: string) => {
  const res = await send('GET', '/api/private', { authorization: `Bearer ${access}` });
  if (res.status === 200) return false;
  if (res.status === 401) return true;
  throw new Error(`/api/private answered ${res.status}`);
};

/** Ms from `since` until `refused` first says so, trying every 10 ms; Infinity after 20 s. */
async function timeUntil(refused: () => Promise<boolean>, since: number): Promise<number> {
  while (performance.now() - since < 20_000) {
    if (await refused()) return performance.now() - since;
    await new Promise((r) => setTimeout(r, 10));
  }
  return Infinity;
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const ms = (v: number) => (v === Infinity ? 'never' : `${(v / 1000).toFixed(2)} s`);
  return `median ${ms(at(0.5))}, p95 ${ms(at(0.95))}, max ${ms(sorted[sorted.length - 1]!)} (min ${ms(sorted[0]!)})`;
}

async function latency(store: Store, users: { id: string; username: string }[]) {
  type Way =
    | 'sign-out through the API (this instance)'
    | 'session revoked by another process'
    | 'user banned by another process';
  const ways: Way[] = [
    'sign-out through the API (this instance)',
    'session revoked by another process',
    'user banned by another process',
  ];
  const results = new Map<Way, { page: number[]; api: number[] }>(
    ways.map((w) => [w, { page: [], api: [] }]),
  );
  for (let trial = 0; trial < TRIALS; trial++) {
    for (const way of ways) {
      const user = users[(trial * ways.length + ways.indexOf(way)) % users.length]!;
      if (way === 'user banned by another process') {
        await store.updateUser(user.id, { status: 'active' }, Date.now());
      }
      const s = await signIn(user.username);
      // Both readers have accepted it (and the middleware's set is warm) before it ends.
      if ((await pageRefused(s.access)) || (await apiRefused(s.access)))
        throw new Error('refused before revocation');
      // Start at a random point of the poll cycle, as a real revocation would.
      await new Promise((r) => setTimeout(r, Math.random() * POLL * 1000));
      const since = performance.now();
      if (way === 'sign-out through the API (this instance)') {
        const res = await send(
          'POST',
          '/api/auth/logout',
          { 'content-type': 'application/json', accept: 'application/json' },
          JSON.stringify({ refresh_token: s.refresh }),
        );
        if (res.status !== 204) throw new Error(`logout answered ${res.status}`);
      } else if (way === 'session revoked by another process') {
        await store.revokeSession(s.sessionId, 'admin', Date.now());
      } else {
        const now = Date.now();
        await store.updateUser(user.id, { status: 'banned', revokedBefore: now }, now);
        await store.revokeUserSessions(user.id, 'user_banned', now);
      }
      const [page, api] = await Promise.all([
        timeUntil(() => pageRefused(s.access), since),
        timeUntil(() => apiRefused(s.access), since),
      ]);
      results.get(way)!.page.push(page);
      results.get(way)!.api.push(api);
    }
  }
  for (const user of users) await store.updateUser(user.id, { status: 'active' }, Date.now());
  console.log(`\nRevocation → first refused request (${TRIALS} trials each, AUTH_REVOCATION_POLL=${POLL}):`);
  for (const [way, r] of results) {
    console.log(`  ${way}`);
    console.log(`    page (middleware set):   ${stats(r.page)}`);
    console.log(`    bearer API (Node set):   ${stats(r.api)}`);
  }
}

async function throughput(access: string): Promise<number> {
  let done = 0;
  let failed = 0;
  const until = performance.now() + SECONDS * 1000;
  // Warm-up: JIT, the page's first render, the middleware's first load.
  for (let i = 0; i < 50; i++) await send('GET', '/dashboard', { cookie: `gatehouse-access=${access}` });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const res = await send('GET', '/dashboard', { cookie: `gatehouse-access=${access}` });
        if (res.status === 200) done++;
        else failed++;
      }
    }),
  );
  if (failed > 0) throw new Error(`${failed} page loads failed`);
  return done / SECONDS;
}

async function main() {
  if (!existsSync(join(ROOT, '.next', 'BUILD_ID'))) throw new Error('build the app first: npm run build');
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-revocation-'));
  const dbPath = join(dir, 'bench.db');
  const store = await openSqliteStore(dbPath);
  const hasher = createArgon2Hasher();
  const passwordHash = await hasher.hash(PASSWORD);
  const users = [];
  for (let i = 0; i < 6; i++) {
    users.push(
      await store.createUser({
        id: randomId(cryptoRandom),
        username: `bench${i}`,
        displayName: `Bench ${i}`,
        passwordHash,
        admin: false,
        now: Date.now(),
      }),
    );
  }
  let server: ChildProcess | undefined;
  try {
    server = startServer(dbPath, POLL);
    await up(server);
    await latency(store, users);
    await stopServer(server);

    const rates: Record<'with' | 'without', number[]> = { with: [], without: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of ['with', 'without'] as const) {
        server = startServer(dbPath, kind === 'with' ? POLL : 0);
        await up(server);
        const { access } = await signIn(users[0]!.username);
        rates[kind].push(await throughput(access));
        await stopServer(server);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`\nSigned-in /dashboard, ${CONCURRENCY} connections, ${SECONDS} s × ${ROUNDS} rounds each:`);
    console.log(
      `  with the revocation check:    ${rates.with.map((r) => r.toFixed(0)).join(', ')} req/s (mean ${mean(rates.with).toFixed(0)})`,
    );
    console.log(
      `  without (AUTH_REVOCATION_POLL=0): ${rates.without.map((r) => r.toFixed(0)).join(', ')} req/s (mean ${mean(rates.without).toFixed(0)})`,
    );
    console.log(`  ratio: ${(mean(rates.with) / mean(rates.without)).toFixed(3)}×`);
  } finally {
    if (server) await stopServer(server);
    await store.close();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
