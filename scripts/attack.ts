/**
 * npm run attack — Gatehouse under a password-guessing flood, measured (not a test: nothing
 * here asserts a time; the figures go in the README).
 *
 * Starts the built app (run `npm run build` first) through server.ts on a throwaway SQLite
 * database, signs one user in, then for a bounded time and number of requests floods
 * POST /api/auth/login with wrong passwords from several loopback source addresses
 * (127.0.0.2, 127.0.0.3, … — the server sees them as different clients, no proxy needed):
 * half the guesses at one account, half sprayed over fresh usernames. Meanwhile the
 * signed-in user keeps loading /dashboard. Prints attempts refused vs checked, argon2 hashes
 * run (from the audit trail), the signed-in user's latency idle vs during the flood, and the
 * server's peak memory.
 *
 * Then a burst of 100 simultaneous sign-ins from 100 addresses (each one's first, so no
 * limit refuses them): the hashing ceiling decides how many hash at once, how many wait, and
 * how many are told 503 — and so the memory they can take.
 *
 *   ATTACK_SECONDS=20 ATTACK_MAX_REQUESTS=100000 ATTACK_ADDRESSES=8 ATTACK_CONCURRENCY=16 npm run attack
 *
 * Loopback only, by construction: the server is started here and bound to 127.0.0.1.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../lib/edge/clock';
import { createArgon2Hasher } from '../lib/auth/passwords';
import { cryptoRandom } from '../lib/edge/random';
import { createUserAdmin } from '../lib/auth/users';
import { openSqliteStore } from '../lib/store/sqlite';
import { startBuiltServer, waitUntilUp } from './support/built-server';

const ROOT = join(__dirname, '..');
const HOST = '127.0.0.1';
const PORT = Number(process.env.ATTACK_PORT ?? 3390);
const SECONDS = Math.min(Number(process.env.ATTACK_SECONDS ?? 20), 120);
const MAX_REQUESTS = Math.min(Number(process.env.ATTACK_MAX_REQUESTS ?? 100_000), 200_000);
const ADDRESSES = Math.min(Math.max(Number(process.env.ATTACK_ADDRESSES ?? 8), 1), 50);
const CONCURRENCY = Math.min(Number(process.env.ATTACK_CONCURRENCY ?? 16), 256);
const VICTIM = { username: 'jon', password: 'correct horse battery staple' };
const SIGNED_IN = { username: 'ada', password: 'analytical engine notes' };

interface Reply {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
  ms: number;
}

function send(
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; from?: string } = {},
): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: HOST,
        port: PORT,
        method,
        path,
        localAddress: options.from,
        headers: { ...(options.body ? { 'content-type': 'application/json' } : {}), ...options.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            headers: res.headers,
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function seed(dbPath: string) {
  const store = await openSqliteStore(dbPath);
  const admin = createUserAdmin({
    store,
    hasher: createArgon2Hasher(),
    clock: systemClock,
    random: cryptoRandom,
  });
  await admin.add({
    username: VICTIM.username,
    displayName: 'Jon Doe',
    password: VICTIM.password,
    admin: true,
  });
  await admin.add({
    username: SIGNED_IN.username,
    displayName: 'Ada Lovelace',
    password: SIGNED_IN.password,
    admin: false,
  });
  await store.close();
}

function startServer(dbPath: string): ChildProcess {
  // Long enough that the measured page loads never need a refresh.
  return startBuiltServer({ host: HOST, port: PORT, dbPath, env: { AUTH_ACCESS_TTL: '3600', AUTH_REFRESH_TTL: '7200' } });
}

/** Resident memory of the server, sampled; VmHWM at the end is the kernel's own peak. */
function memory(pid: number) {
  const read = (field: string) => {
    try {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
        readFileSync(`/proc/${pid}/status`, 'utf8'),
      );
      return match ? Number(match[1]) / 1024 : NaN;
    } catch {
      return NaN;
    }
  };
  return { rss: () => read('VmRSS'), peak: () => read('VmHWM') };
}

const pct = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function loadPage(cookie: string, samples: number[], until: () => boolean, gapMs: number) {
  while (!until()) {
    const reply = await send('GET', '/dashboard', { headers: { cookie } });
    if (reply.status !== 200) throw new Error(`signed-in page answered ${reply.status}`);
    samples.push(reply.ms);
    await new Promise((r) => setTimeout(r, gapMs));
  }
}

async function main() {
  if (!existsSync(join(ROOT, '.next', 'BUILD_ID'))) {
    console.error('No build found: run `npm run build` first.');
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-attack-'));
  const dbPath = join(dir, 'attack.db');
  await seed(dbPath);
  const server = startServer(dbPath);
  const stop = () => server.exitCode === null && server.kill('SIGTERM');
  process.on('exit', stop);
  try {
    await waitUntilUp(server, `http://${HOST}:${PORT}`);
    const mem = memory(server.pid!);

    const idleRss = mem.rss();
    const login = await send('POST', '/api/auth/login', { body: JSON.stringify(SIGNED_IN) });
    if (login.status !== 200)
      throw new Error(`sign-in of the measured user failed: ${login.status} ${login.body}`);
    const cookie = (login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');

    // Idle: the signed-in user alone.
    const idle: number[] = [];
    let n = 0;
    await loadPage(cookie, idle, () => n++ >= 150, 10);

    // A burst of simultaneous first attempts from 100 addresses, each for an account of its own.
    let burstPeak = mem.rss();
    const burstSampler = setInterval(() => (burstPeak = Math.max(burstPeak, mem.rss())), 20);
    const burst: Record<string, number> = {};
    const burstStarted = performance.now();
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const body = JSON.stringify({ username: `burst${i}`, password: 'not the password' });
        const reply = await send('POST', '/api/auth/login', { body, from: `127.0.1.${i + 1}` }).catch(() => ({
          status: 0,
        }));
        burst[reply.status] = (burst[reply.status] ?? 0) + 1;
      }),
    );
    const burstMs = performance.now() - burstStarted;
    clearInterval(burstSampler);

    // The flood.
    const counts: Record<string, number> = {};
    let sent = 0;
    let peakRss = mem.rss();
    const deadline = Date.now() + SECONDS * 1000;
    const over = () => Date.now() >= deadline || sent >= MAX_REQUESTS;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, mem.rss())), 100);
    const attacker = async (worker: number) => {
      const from = `127.0.0.${2 + (worker % ADDRESSES)}`;
      while (!over()) {
        sent++;
        const username = sent % 2 === 0 ? VICTIM.username : `user${randomBytes(4).toString('hex')}`;
        const body = JSON.stringify({ username, password: randomBytes(6).toString('base64url') });
        try {
          const reply = await send('POST', '/api/auth/login', { body, from });
          counts[reply.status] = (counts[reply.status] ?? 0) + 1;
        } catch {
          counts.error = (counts.error ?? 0) + 1;
        }
      }
    };
    const during: number[] = [];
    const started = Date.now();
    await Promise.all([
      ...Array.from({ length: CONCURRENCY }, (_, i) => attacker(i)),
      loadPage(cookie, during, over, 50),
    ]);
    clearInterval(sampler);
    const elapsed = (Date.now() - started) / 1000;

    // Hashes run, from the server's own audit trail: every checked attempt is a login_failed.
    const db = new Database(dbPath, { readonly: true });
    const hashes = (
      db
        .prepare("SELECT count(*) AS n FROM auth_events WHERE type IN ('login_failed', 'login_ok')")
        .get() as { n: number }
    ).n;
    db.close();
    const peak = Math.max(peakRss, mem.peak());

    const ms = (v: number) => `${v.toFixed(1)} ms`;
    console.log(
      `\nGatehouse under a sign-in flood (${elapsed.toFixed(1)} s, ${CONCURRENCY} connections from ${ADDRESSES} addresses)\n`,
    );
    console.log(`  sign-in attempts sent        ${sent}  (${Math.round(sent / elapsed)}/s)`);
    console.log(`  refused before hashing (429) ${counts[429] ?? 0}`);
    console.log(`  checked (401)                ${counts[401] ?? 0}`);
    console.log(`  server busy (503)            ${counts[503] ?? 0}`);
    const other = Object.entries(counts).filter(([k]) => !['401', '429', '503'].includes(k));
    if (other.length)
      console.log(`  other                        ${other.map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    console.log(
      `  argon2 hashes run            ${hashes - (burst[401] ?? 0)}  (audit trail, includes the measured user's sign-in)`,
    );
    console.log(
      `  signed-in /dashboard idle    median ${ms(pct(idle, 50))}, p95 ${ms(pct(idle, 95))}  (${idle.length} loads)`,
    );
    console.log(
      `  signed-in /dashboard flood   median ${ms(pct(during, 50))}, p95 ${ms(pct(during, 95))}  (${during.length} loads)`,
    );
    console.log(
      `  median ratio flood / idle    ${(pct(during, 50) / pct(idle, 50)).toFixed(2)}×  (goal ≤ 3×)`,
    );
    console.log(
      `  server memory (RSS)          ${idleRss.toFixed(0)} MiB idle, ${peak.toFixed(0)} MiB peak during the flood`,
    );
    console.log(`\n100 simultaneous first sign-ins from 100 addresses (${burstMs.toFixed(0)} ms)\n`);
    console.log(`  checked (401)                ${burst[401] ?? 0}`);
    console.log(`  told to retry (503)          ${burst[503] ?? 0}`);
    const otherBurst = Object.entries(burst).filter(([k]) => !['401', '503'].includes(k));
    if (otherBurst.length)
      console.log(`  other                        ${otherBurst.map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    console.log(`  server peak memory (RSS)     ${burstPeak.toFixed(0)} MiB`);
  } finally {
    stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
