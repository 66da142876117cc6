/**
 * npm run faults -- sqlite-writer — SQLite with a second writer: the users command changing accounts
 * while the server handles 1,000 refreshes.
 *
 * One server (server.ts, the built app) on a fresh SQLite file under .tmp/. Twenty sessions of
 * four steady users refresh 200 times alone (the baseline), then 1,000 times in all, twenty
 * at once: three in four through the token endpoint, one in four as a page load whose access
 * cookie is gone (the middleware refreshes) — every one a rotation, a write. Meanwhile two other processes write to the same file: a loop of
 * the users command's own code (add, set-admin, ban, unban, revoke, unset-admin, password,
 * delete on churn accounts, scripts/faults/support/users-churn.ts), and the real command line
 * (`node --import tsx scripts/users.ts add|ban|delete …`) started again and again.
 *
 * Invariants (exit 1 and the reason when one breaks):
 *   - no answer is a 500, and none carries SQLITE_BUSY or "database is locked";
 *   - every refresh succeeds: no 503 either (a 503 here would be a lock the store gave up on);
 *   - no steady session is revoked or signed out, no reuse detected;
 *   - the other writers really wrote (commands ran while the refreshes did).
 *
 * To watch it fail: FAULTS_HOLD_LOCK_MS=7000 (the churn first holds the write lock 7 s, past the
 * server's 5-second busy timeout: refreshes then answer 503 or "try again").
 *
 *   FAULTS_REFRESHES=1000 npx tsx scripts/faults/sqlite-writer.ts
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startBuiltServer, stopServer, waitUntilUp } from '../support/built-server';
import { classify, hasStack, Tally } from './support/answers';
import { eventCounts, readSessions, seedUsers } from './support/database';
import { Client, tokenClaims, TransportError, type Reply } from './support/http-client';
import {
  clientAddress,
  inParallel,
  requireBuild,
  ROOT,
  runScript,
  scratchDir,
  Verdict,
} from './support/verdict';

const HOST = '127.0.0.1';
const PORT = 3820;
const SESSIONS = 20;
const REFRESHES = Math.min(Math.max(Number(process.env.FAULTS_REFRESHES ?? 1000), 100), 10_000);
const BASELINE = 200;
/** One refresh in PAGE_EVERY is a page load (the middleware's refresh), the rest the token endpoint. */
const PAGE_EVERY = 4;
const PASSWORD = 'a second writer';
const BUSY = /SQLITE_BUSY|database is locked/i;

runScript(async (cleanup) => {
  requireBuild();
  const verdict = new Verdict(
    `SQLite with a second writer: ${REFRESHES} refreshes while the users command writes`,
  );
  const dir = scratchDir('sqlite-writer');
  const dbPath = join(dir, 'gatehouse.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  const databaseUrl = `file:${dbPath}`;
  const users = ['steady1', 'steady2', 'steady3', 'steady4'];
  await seedUsers(databaseUrl, [
    ...users.map((username) => ({ username, password: PASSWORD })),
    // The churn promotes and demotes its accounts; an admin of its own keeps that legal.
    { username: 'keeper', password: PASSWORD, admin: true },
  ]);

  verdict.log(`starting the server on ${HOST}:${PORT} (${dbPath})`);
  const server = startBuiltServer({
    host: HOST,
    port: PORT,
    dbPath,
    env: { AUTH_ACCESS_TTL: '900', AUTH_COOKIE_SECURE: 'false' },
  });
  cleanup(() => stopServer(server));
  await waitUntilUp(server, `http://${HOST}:${PORT}`);

  const target = { host: HOST, port: PORT };
  const clients = Array.from({ length: SESSIONS }, (_, i) => new Client(target, clientAddress(i)));
  await inParallel(SESSIONS, 4, async (i) => {
    const reply = await clients[i]!.signIn(users[i % users.length]!, PASSWORD);
    if (reply.status !== 200) throw new Error(`sign-in ${i} answered ${reply.status}: ${reply.body}`);
  });
  const sids = clients.map((c) => tokenClaims(c.accessToken()!).sid);

  // A baseline first, the server alone, to compare latencies with.
  verdict.log(`baseline: ${BASELINE} refreshes with no other writer`);
  const baselineAnswers = new Tally();
  const alone = await refreshBurst(clients, BASELINE, (_n, viaPage, reply) =>
    baselineAnswers.add(
      reply instanceof TransportError ? reply.message : `${viaPage ? 'page' : 'token'}: ${classify(reply)}`,
    ),
  );
  verdict.check(
    baselineAnswers.get('page: signed-in') + baselineAnswers.get('token: ok') === BASELINE,
    `the baseline failed without a second writer: ${baselineAnswers}`,
  );

  // The other writers.
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  const churn = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'support', 'users-churn.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let churnOutput = '';
  churn.stdout.on('data', (chunk: Buffer) => (churnOutput += chunk.toString()));
  const churnDone = new Promise<void>((resolve) => churn.once('exit', () => resolve()));
  cleanup(async () => {
    if (churn.exitCode === null) churn.kill('SIGTERM');
    await churnDone;
  });
  let refreshing = true;
  const cli = new Tally();
  const cliLoop = (async () => {
    for (let round = 1; refreshing; round++) {
      for (const command of ['add', 'ban', 'delete']) {
        const code = await runUsersCommand([command, `cli${round}`], env);
        cli.add(code === 0 ? 'ok' : `exit ${code}`);
      }
    }
  })();

  verdict.log(`${REFRESHES} refreshes, ${SESSIONS} at once, while the users command churns`);
  const answers = new Tally();
  const busyBodies: string[] = [];
  const loaded = await refreshBurst(clients, REFRESHES, (n, viaPage, reply) => {
    if (reply instanceof TransportError) {
      answers.add(`no answer (${reply.code})`);
      verdict.check(false, `refresh ${n}: ${reply.message}`);
      return;
    }
    const answer = classify(reply);
    answers.add(`${viaPage ? 'page' : 'token'}: ${answer} ${reply.status}`);
    if (BUSY.test(reply.body)) busyBodies.push(reply.body.slice(0, 200));
    verdict.check(!hasStack(reply.body), `refresh ${n}: a stack trace in the body`);
    verdict.check(
      answer === (viaPage ? 'signed-in' : 'ok'),
      `refresh ${n} (${viaPage ? 'page' : 'token endpoint'}) answered ${reply.status} "${answer}": ${reply.body.slice(0, 160)}`,
    );
  });
  refreshing = false;
  churn.kill('SIGTERM');
  await Promise.all([churnDone, cliLoop]);
  const churned = parseChurn(churnOutput);

  const sessions = await readSessions(databaseUrl);
  const events = await eventCounts(databaseUrl);
  const revoked = sids.filter((sid) => sessions.get(sid)?.revokedReason).length;
  const rotations = sids.reduce((sum, sid) => sum + (sessions.get(sid)?.gen ?? 0), 0);
  const cleared = clients.reduce((sum, c) => sum + c.clearedAuthCookies, 0);

  verdict.check(
    busyBodies.length === 0,
    `SQLITE_BUSY reached a client ${busyBodies.length} time(s): ${busyBodies[0]}`,
  );
  verdict.check(revoked === 0, `${revoked} steady session(s) revoked`);
  verdict.check((events.reuse_detected ?? 0) === 0, `${events.reuse_detected} reuse detection(s)`);
  verdict.check(cleared === 0, `${cleared} auth cookie(s) cleared`);
  verdict.check(
    rotations === REFRESHES + BASELINE,
    `${rotations} rotations recorded for ${REFRESHES + BASELINE} refreshes`,
  );
  verdict.check(
    churned.commands > 0 && cli.get('ok') > 0,
    'the second writers wrote nothing while the refreshes ran',
  );

  verdict.row(
    'refreshes',
    `${REFRESHES} by ${SESSIONS} sessions at once in ${loaded.seconds.toFixed(1)} s (1 in ${PAGE_EVERY} a page load)`,
  );
  verdict.row('with the second writers', latency(loaded));
  verdict.row(`alone (${BASELINE} before)`, latency(alone));
  verdict.row('answers', answers.toString());
  verdict.row('503 answers', answers.get('token: unavailable-503 503') + answers.get('page: try-again 200'));
  verdict.row('SQLITE_BUSY in a body', busyBodies.length);
  verdict.row('rotations in the database', `${rotations} (sum of the sessions' gen)`);
  verdict.row(
    'users command loop',
    `${churned.commands} commands (${churned.failed} failed, ${churned.busy} with SQLITE_BUSY)${churned.errors.length ? `: ${churned.errors.join(' | ')}` : ''}`,
  );
  verdict.row('users command line', `${cli.total()} runs of scripts/users.ts (${cli})`);
  verdict.row(
    'audit events',
    Object.entries(events)
      .map(([type, n]) => `${type} ${n}`)
      .join(', '),
  );
  verdict.row('steady sessions revoked', revoked);
  return verdict;
});

/**
 * `count` refreshes by the clients, one request at a time each, all clients at once: the token
 * endpoint with the refresh cookie, or (one in PAGE_EVERY) /dashboard without the access cookie,
 * as once it expires, so the middleware refreshes. Returns each request's time, ms.
 */
async function refreshBurst(
  clients: readonly Client[],
  count: number,
  judge: (n: number, viaPage: boolean, reply: Reply | TransportError) => void,
): Promise<{ ms: number[]; seconds: number }> {
  const ms: number[] = [];
  const started = performance.now();
  let next = 0;
  await inParallel(clients.length, clients.length, async (worker) => {
    const client = clients[worker]!;
    while (next < count) {
      const n = next++;
      const viaPage = n % PAGE_EVERY === PAGE_EVERY - 1;
      const sent = performance.now();
      let reply: Reply | TransportError;
      try {
        if (viaPage) client.jar.drop('gatehouse-access');
        reply = viaPage ? await client.page('/dashboard') : await client.refresh();
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        reply = error;
      }
      ms.push(performance.now() - sent);
      judge(n, viaPage, reply);
    }
  });
  return { ms, seconds: (performance.now() - started) / 1000 };
}

function latency({ ms, seconds }: { ms: number[]; seconds: number }): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return `${(ms.length / seconds).toFixed(0)}/s; median ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms, max ${at(1).toFixed(0)} ms`;
}

function runUsersCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'users.ts'), ...args], {
      cwd: ROOT,
      env,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    child.stdin.end(`${PASSWORD}\n`);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

function parseChurn(output: string): { commands: number; failed: number; busy: number; errors: string[] } {
  try {
    return JSON.parse(output.trim().split('\n').pop() ?? '');
  } catch {
    return {
      commands: 0,
      failed: 0,
      busy: 0,
      errors: [`no tally from the churn process: ${output.slice(0, 200)}`],
    };
  }
}
