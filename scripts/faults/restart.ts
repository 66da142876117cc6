/**
 * npm run faults -- restart — every instance restarted; every signed-in user stays signed in.
 *
 * Two instances of the built app behind HAProxy on a fresh PostgreSQL schema, 50 sessions
 * (5 users × 10, each from its own loopback address). First a rolling restart under traffic:
 * each instance in turn is stopped (SIGTERM, a clean shutdown) and started again, the next
 * only once the balancer has it back, while every client keeps loading /dashboard, calling
 * /api/private and refreshing through the token endpoint (retrying, as a browser would, when
 * nothing answered). Then all at once: every instance stopped, then every one started.
 *
 * Invariants (exit 1 and the reason when one breaks):
 *   - during the rolling restart no client is signed out (no redirect to sign in, no 401, no
 *     auth cookie cleared), no answer is a 500, and no request fails for good;
 *   - afterwards every session is signed in: its access token from before any restart still
 *     verifies (same secret: /api/private with it as a bearer token), its page renders with its
 *     cookies, and its refresh token rotates;
 *   - no session was revoked, no reuse detected.
 *
 *   npx tsx scripts/faults/restart.ts
 */
import type { Cluster } from '../support/cluster';
import { classify, Tally } from './support/answers';
import { eventCounts, freshSeededSchema, readSessions } from './support/database';
import { balancerCounters, since } from './support/haproxy-stats';
import { Client, tokenClaims } from './support/http-client';
import { startFaultCluster } from './support/fault-cluster';
import { withRetries } from './support/retrying';
import {
  clientAddress,
  inParallel,
  requireBuild,
  runScript,
  scratchDir,
  sleep,
  Verdict,
} from './support/verdict';

const PORT = 3830;
const INSTANCE_PORTS = [3831, 3832];
const STATS_PORT = 3839;
const SCHEMA = 'faults_restart';
const USERS = 5;
const SESSIONS = 50;
const GRACE = 10;
const PASSWORD = 'restarts are routine';
/** How long the balancer may take to see a restarted instance (a bound so the script ends). */
const BACK_WITHIN_MS = 30_000;

runScript(async (cleanup) => {
  requireBuild({ haproxy: true });
  const verdict = new Verdict(
    `Restart: ${INSTANCE_PORTS.length} instances restarted one by one under traffic, then all at once; ${SESSIONS} sessions`,
  );
  const dir = scratchDir('restart');

  const users = Array.from({ length: USERS }, (_, i) => `restart${i + 1}`);
  const databaseUrl = await freshSeededSchema(SCHEMA, users, PASSWORD, cleanup);

  const { cluster, logs } = await startFaultCluster({
    dir,
    port: PORT,
    instancePorts: INSTANCE_PORTS,
    statsPort: STATS_PORT,
    databaseUrl,
    env: {
      AUTH_REFRESH_GRACE: String(GRACE),
    },
    verdict,
    cleanup,
  });

  const target = { host: '127.0.0.1', port: PORT };
  const clients = Array.from({ length: SESSIONS }, (_, i) => new Client(target, clientAddress(i)));
  verdict.log(`signing in ${SESSIONS} sessions`);
  await inParallel(SESSIONS, 4, async (i) => {
    const reply = await clients[i]!.signIn(users[i % USERS]!, PASSWORD);
    if (reply.status !== 200) throw new Error(`sign-in ${i} answered ${reply.status}: ${reply.body}`);
  });
  const firstTokens = clients.map((c) => c.accessToken()!);
  const sids = firstTokens.map((token) => tokenClaims(token).sid);

  // Rolling restart, under traffic.
  const before = await balancerCounters(STATS_PORT);
  const traffic = new Tally();
  const failedToClient = new Tally();
  let clientRetries = 0;
  let running = true;
  const load = Promise.all(
    clients.map(async (client, i) => {
      for (let round = i; running; round++) {
        const kind = (['page', 'api', 'refresh'] as const)[round % 3]!;
        const outcome = await withRetries(
          () =>
            kind === 'page'
              ? client.page('/dashboard')
              : kind === 'api'
                ? client.call({ path: '/api/private' })
                : client.refresh(),
          { retries: 20, windowMs: GRACE * 1000 },
        );
        traffic.add(`${kind}: ${outcome.final}`);
        for (const seen of outcome.seen.slice(0, -1)) failedToClient.add(seen);
        clientRetries += outcome.seen.length - 1;
        verdict.check(
          outcome.final === (kind === 'page' ? 'signed-in' : 'ok'),
          `client ${i} ${kind} during the rolling restart: ${outcome.seen.join(' → ')}`,
        );
        await sleep(200);
      }
    }),
  );
  for (let i = 0; i < INSTANCE_PORTS.length; i++) {
    verdict.log(`rolling: restarting app${i + 1}`);
    await cluster.stop(i);
    await cluster.start(i);
    await balancerSees(cluster, i);
  }
  running = false;
  await load;
  const rolling = since(before, await balancerCounters(STATS_PORT));

  // All at once.
  verdict.log('all at once: stopping every instance, then starting every one');
  await Promise.all(cluster.instances.map((_, i) => cluster.stop(i)));
  await Promise.all(cluster.instances.map((_, i) => cluster.start(i)));
  await Promise.all(cluster.instances.map((_, i) => balancerSees(cluster, i)));

  // Every session, afterwards.
  verdict.log('checking every session');
  const after = new Tally();
  await inParallel(SESSIONS, 8, async (i) => {
    const client = clients[i]!;
    const bearer = classify(
      await client.call(
        { path: '/api/private', headers: { authorization: `Bearer ${firstTokens[i]}` } },
        { cookies: false },
      ),
    );
    const page = classify(await client.page('/dashboard'));
    const refresh = classify(await client.refresh());
    after.add(`first access token ${bearer}`);
    after.add(`page ${page}`);
    after.add(`refresh ${refresh}`);
    verdict.check(
      bearer === 'ok',
      `session ${i}: its access token from before the restarts answered "${bearer}"`,
    );
    verdict.check(page === 'signed-in', `session ${i}: /dashboard answered "${page}"`);
    verdict.check(refresh === 'ok', `session ${i}: the refresh answered "${refresh}"`);
  });

  const sessions = await readSessions(databaseUrl);
  const events = await eventCounts(databaseUrl);
  const revoked = new Tally();
  for (const sid of sids) {
    const reason = sessions.get(sid)?.revokedReason;
    if (reason) revoked.add(reason);
  }
  const cleared = clients.reduce((sum, c) => sum + c.clearedAuthCookies, 0);
  verdict.check(revoked.total() === 0, `sessions revoked: ${revoked}`);
  verdict.check((events.reuse_detected ?? 0) === 0, `${events.reuse_detected} reuse detection(s)`);
  verdict.check(cleared === 0, `${cleared} auth cookie(s) cleared`);
  verdict.check(logs.notable.get('request failed (500)') === 0, 'an instance logged a failed request (500)');

  verdict.row('sessions', `${SESSIONS} (${USERS} users)`);
  verdict.row('traffic while rolling', `${traffic.total()} requests: ${traffic}`);
  verdict.row('failed to the client', `${failedToClient} (${clientRetries} client retries)`);
  verdict.row(
    'balancer while rolling',
    `${rolling.retries} retries, ${rolling.redispatches} redispatched, ${rolling.connectionErrors} connection errors, ${rolling.responseErrors} response errors`,
  );
  verdict.row('after all restarts', after.toString());
  verdict.row('signed in at the end', `${after.get('page signed-in')}/${SESSIONS}`);
  verdict.row('sessions revoked', revoked.toString());
  verdict.row('refreshes (audit)', events.refresh ?? 0);
  verdict.row('instance log', logs.notable.toString());
  return verdict;
});

/** Waits until HAProxy's health check has the instance UP again (so the next one may go). */
async function balancerSees(cluster: Cluster, index: number): Promise<void> {
  const name = cluster.instances[index]!.name;
  const deadline = performance.now() + BACK_WITHIN_MS;
  while (performance.now() < deadline) {
    if ((await balancerCounters(STATS_PORT)).states[name] === 'UP') return;
    await sleep(200);
  }
  throw new Error(`the balancer did not see ${name} back within ${BACK_WITHIN_MS / 1000} s`);
}
