/**
 * npm run faults -- storm — an instance killed (kill -9) in the middle of a refresh storm.
 *
 * Three instances of the built app on a fresh PostgreSQL schema behind HAProxy (L7 retries on
 * a dead instance), 2-second access tokens, a 10-second grace window. 200 sessions (8 users ×
 * 25, each signed in from its own loopback address) wait until their access tokens have
 * expired; then every client at once sends one request that must refresh: a quarter load
 * /dashboard and a quarter /api/private with their cookies (the middleware refreshes and sets
 * new cookies), half call the token endpoint with the refresh cookie. Once a fifth of the
 * answers are back, app2 is killed with SIGKILL, with the rest in flight. A client that got no
 * answer, the balancer's 502/503/504, or "try again" retries with the cookies it has (storing
 * cookies as soon as headers arrive, as a browser does), for up to 10 s.
 *
 * Invariants (exit 1 and the reason when one breaks):
 *   - every client ends the storm signed in (page rendered, or new tokens), none gave up;
 *   - no false reuse detection and no other revocation: nothing lost half-way through a
 *     rotation. (A client that sent its old token again only after the grace window — possible
 *     only on a badly overloaded machine — is rightly taken for a thief; it is counted apart as
 *     "late", not as a failure);
 *   - every session rotated, and once the storm's tokens have expired too, loads /dashboard
 *     signed in with its latest cookies (one more rotation);
 *   - no answer was a 500, and no auth cookie was cleared.
 *
 * To watch it fail: FAULTS_GRACE=0 (the server's grace window: the balancer's retry of a token
 * rotated just before the crash becomes "reuse"), FAULTS_CLIENT_RETRIES=0 (clients do not retry;
 * fails when some request's failure reached a client).
 *
 *   FAULTS_SESSIONS=200 FAULTS_GRACE=10 FAULTS_CLIENT_RETRIES=5 npx tsx scripts/faults/storm.ts
 */
import { Tally, type Answer } from './support/answers';
import { eventCounts, freshSeededSchema, readSessions } from './support/database';
import { balancerCounters, since } from './support/haproxy-stats';
import { Client, tokenClaims, type Reply } from './support/http-client';
import { startFaultCluster } from './support/fault-cluster';
import { withRetries, type Attempts } from './support/retrying';
import {
  clientAddress,
  inParallel,
  requireBuild,
  runScript,
  scratchDir,
  sleep,
  Verdict,
} from './support/verdict';

const PORT = 3800;
const INSTANCE_PORTS = [3801, 3802, 3803];
const STATS_PORT = 3809;
const SCHEMA = 'faults_storm';
const VICTIM = 1; // app2

const env = process.env;
const SESSIONS = whole(env.FAULTS_SESSIONS, 200, 20, 1000);
const USERS = 8;
const ACCESS_TTL = 2;
const GRACE = whole(env.FAULTS_GRACE, 10, 0, 300);
/** How long a client keeps retrying: the grace window as deployed by default. */
const CLIENT_WINDOW_MS = 10_000;
const CLIENT_RETRIES = whole(env.FAULTS_CLIENT_RETRIES, 5, 0, 50);
const KILL_AFTER = Math.ceil(SESSIONS / 5);
const PASSWORD = 'a storm of refreshes';

function whole(raw: string | undefined, fallback: number, min: number, max: number): number {
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`expected a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

runScript(async (cleanup) => {
  requireBuild({ haproxy: true });
  const verdict = new Verdict(
    `Refresh storm: ${SESSIONS} sessions, ${INSTANCE_PORTS.length} instances, app${VICTIM + 1} killed (SIGKILL) mid-storm`,
  );
  const dir = scratchDir('storm');

  const users = Array.from({ length: USERS }, (_, i) => `storm${i + 1}`);
  const databaseUrl = await freshSeededSchema(SCHEMA, users, PASSWORD, cleanup);

  const { cluster, logs } = await startFaultCluster({
    dir,
    port: PORT,
    instancePorts: INSTANCE_PORTS,
    statsPort: STATS_PORT,
    databaseUrl,
    env: {
      AUTH_ACCESS_TTL: String(ACCESS_TTL),
      AUTH_REFRESH_GRACE: String(GRACE),
      AUTH_MAX_SESSIONS: '50',
    },
    verdict,
    cleanup,
  });

  // Sign in: 200 argon2 verifications, a few at a time (the hashing queue is per instance).
  const target = { host: '127.0.0.1', port: PORT };
  // Clients wait as long as a browser would: past the balancer's own `timeout server` (60 s).
  const clients = Array.from({ length: SESSIONS }, (_, i) => new Client(target, clientAddress(i), 90_000));
  verdict.log(`signing in ${SESSIONS} sessions (${USERS} users × ${SESSIONS / USERS})`);
  await inParallel(SESSIONS, 6, async (i) => {
    const client = clients[i]!;
    const username = users[i % USERS]!;
    for (let tries = 0; ; tries++) {
      const reply = await client.signIn(username, PASSWORD);
      if (reply.status === 200) return;
      // server_busy: the hashing queue was full; wait like a client told Retry-After would.
      if (reply.status !== 503 || tries >= 20)
        throw new Error(`sign-in ${i} answered ${reply.status}: ${reply.body}`);
      await sleep(250);
    }
  });
  const sids = clients.map((c) => tokenClaims(c.accessToken()!).sid);
  verdict.check(new Set(sids).size === SESSIONS, `expected ${SESSIONS} distinct sessions`);

  // Every access token expired: each request below must refresh.
  const lastExpiry = Math.max(...clients.map((c) => tokenClaims(c.accessToken()!).exp * 1000));
  await sleep(Math.max(0, lastExpiry - Date.now() + 1000));

  // The storm.
  const before = await balancerCounters(STATS_PORT);
  let answered = 0;
  let killed: Promise<void> | undefined;
  let inFlightAtKill = 0;
  let slowestFirstAnswer = 0;
  const firstAnswers = new Tally();
  const stormStarted = performance.now();
  verdict.log(`storm: ${SESSIONS} requests at once; app${VICTIM + 1} dies after ${KILL_AFTER} answers`);
  const outcomes: Attempts[] = await Promise.all(
    clients.map((client, i) =>
      withRetries(() => request(client, kindOf(i)), {
        retries: CLIENT_RETRIES,
        windowMs: CLIENT_WINDOW_MS,
        onAnswer: (seen, attempt) => {
          if (attempt > 0) return;
          firstAnswers.add(seen);
          slowestFirstAnswer = Math.max(slowestFirstAnswer, performance.now() - stormStarted);
          if (++answered >= KILL_AFTER && !killed) {
            inFlightAtKill = SESSIONS - answered;
            killed = cluster.kill(VICTIM);
          }
        },
      }),
    ),
  );
  const stormSeconds = (performance.now() - stormStarted) / 1000;
  await killed;
  const balancer = since(before, await balancerCounters(STATS_PORT));
  verdict.check(
    killed !== undefined && inFlightAtKill > 0,
    'the instance was not killed while requests were in flight',
  );

  const finals = new Tally();
  const failedToClient = new Tally();
  let retriedClients = 0;
  let clientRetries = 0;
  let latestRetryMs = 0;
  // A client that sent its old refresh token again after the grace window had passed looks,
  // to the server, exactly like a thief: reuse detection is then the right answer (README,
  // "Tokens"). Only an overloaded machine makes a client that late; such sessions are counted
  // apart, and only a reuse detection without a late retry is a false one.
  const late = new Set<number>();
  outcomes.forEach((outcome, i) => {
    finals.add(outcome.final);
    const retries = outcome.seen.length - 1;
    if (retries > 0) {
      retriedClients++;
      clientRetries += retries;
      latestRetryMs = Math.max(latestRetryMs, ...outcome.sentAfterMs);
    }
    if (outcome.sentAfterMs.slice(1).some((ms) => ms > GRACE * 1000)) late.add(i);
    for (const seen of outcome.seen.slice(0, -1)) failedToClient.add(seen);
    verdict.check(
      outcome.final === WANTED[kindOf(i)],
      `client ${i} (${kindOf(i)}) ended the storm with "${outcome.final}" after ${outcome.seen.join(' → ')}`,
    );
  });

  const afterStorm = await readSessions(databaseUrl);
  const rotated = sids.filter((sid) => (afterStorm.get(sid)?.gen ?? 0) >= 1).length;

  // Afterwards, once the storm's access tokens have expired too: each session's latest cookies
  // load the signed-in page, which takes one more rotation of its refresh token.
  // (A client signed out in the storm has no access token left.)
  const stormExpiry = Math.max(
    0,
    ...clients.map((c) => c.accessToken()).flatMap((token) => (token ? [tokenClaims(token).exp * 1000] : [])),
  );
  await sleep(Math.max(0, stormExpiry - Date.now() + 1000));
  verdict.log('checking every session with its latest cookies');
  const checks = await inParallel(SESSIONS, 8, (i) =>
    withRetries(() => clients[i]!.page('/dashboard'), { retries: 5, windowMs: CLIENT_WINDOW_MS }),
  );

  const sessions = await readSessions(databaseUrl);
  const events = await eventCounts(databaseUrl);
  const revoked = new Tally();
  let falseReuse = 0;
  let lostLate = 0;
  sids.forEach((sid, i) => {
    const reason = sessions.get(sid)?.revokedReason;
    const excused = reason === 'reuse_detected' && late.has(i);
    if (reason) revoked.add(reason);
    if (excused) lostLate++;
    else if (reason === 'reuse_detected') falseReuse++;
    verdict.check(
      !reason || excused,
      `session ${i} (${kindOf(i)}) was revoked: ${reason} (storm: ${outcomes[i]!.seen.join(' → ')})`,
    );
    verdict.check(
      checks[i]!.final === 'signed-in' || excused,
      `session ${i} is not signed in afterwards: ${checks[i]!.seen.join(' → ')}`,
    );
  });
  const validAtEnd = checks.filter((c) => c.final === 'signed-in').length;
  const advanced = sids.filter((sid) => (sessions.get(sid)?.gen ?? 0) >= 2).length;
  const cleared = clients.reduce((sum, c, i) => sum + (late.has(i) ? 0 : c.clearedAuthCookies), 0);

  verdict.check(
    falseReuse === 0,
    `${falseReuse} false reuse detection(s): a retry within the grace window was taken for a stolen token`,
  );
  verdict.check(rotated === SESSIONS, `${SESSIONS - rotated} session(s) did not rotate during the storm`);
  verdict.check(
    advanced + lostLate === SESSIONS,
    `${SESSIONS - advanced - lostLate} session(s) did not rotate again afterwards`,
  );
  verdict.check(cleared === 0, `${cleared} auth cookie(s) cleared (not counting late clients')`);
  verdict.check(
    finals.get('server-error') === 0 && failedToClient.get('server-error') === 0,
    'a 500 reached a client',
  );
  verdict.check(logs.notable.get('request failed (500)') === 0, 'an instance logged a failed request (500)');

  const kinds = new Tally();
  clients.forEach((_, i) => kinds.add(KIND_LABEL[kindOf(i)]));
  verdict.row('sessions', `${SESSIONS} (${USERS} users, access TTL ${ACCESS_TTL} s, grace ${GRACE} s)`);
  verdict.row('storm requests', `${SESSIONS} at once: ${kinds}`);
  verdict.row(
    'storm took',
    `${stormSeconds.toFixed(1)} s (slowest first answer ${(slowestFirstAnswer / 1000).toFixed(1)} s)`,
  );
  verdict.row(
    'killed',
    `app${VICTIM + 1} after ${KILL_AFTER} answers, ${inFlightAtKill} requests still in flight`,
  );
  verdict.row('first answers', firstAnswers.toString());
  verdict.row(
    'answered first time',
    `${firstAnswers.get('signed-in') + firstAnswers.get('ok')} (balancer retries included)`,
  );
  verdict.row(
    'balancer',
    `${balancer.retries} retries, ${balancer.redispatches} redispatched, ${balancer.connectionErrors} connection errors, ` +
      `${balancer.responseErrors} response errors, ${balancer.answered5xx} 5xx answered; ` +
      Object.entries(balancer.states)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
  );
  verdict.row('failed to the client', failedToClient.toString());
  verdict.row(
    'retried by the client',
    `${retriedClients} clients, ${clientRetries} retries, the last ${(latestRetryMs / 1000).toFixed(1)} s after its first attempt`,
  );
  verdict.row('storm outcome', finals.toString());
  verdict.row('rotated in the storm', `${rotated}/${SESSIONS}`);
  verdict.row(
    'false reuse detections',
    `${falseReuse} (audit trail: reuse_detected ${events.reuse_detected ?? 0})`,
  );
  verdict.row(
    'late retries (overload)',
    `${late.size} clients, ${lostLate} of their sessions ended as reuse`,
  );
  verdict.row('sessions revoked', revoked.toString());
  verdict.row('valid at the end', `${validAtEnd}/${SESSIONS} (rotated again: ${advanced})`);
  verdict.row('auth cookies cleared', cleared);
  verdict.row('instance log', logs.notable.toString());
  return verdict;
});

type Kind = 'page' | 'api' | 'token';

/** A quarter load the page, a quarter the bearer-less API with cookies (both refreshed by the middleware), half the token endpoint. */
const kindOf = (i: number): Kind => (['page', 'api', 'token', 'token'] as const)[i % 4]!;
const KIND_LABEL: Record<Kind, string> = {
  page: 'GET /dashboard',
  api: 'GET /api/private (cookies)',
  token: 'POST /api/auth/token',
};
const WANTED: Record<Kind, Answer> = { page: 'signed-in', api: 'ok', token: 'ok' };

function request(client: Client, kind: Kind): Promise<Reply> {
  if (kind === 'page') return client.page('/dashboard');
  if (kind === 'api') return client.call({ path: '/api/private' });
  return client.refresh();
}
