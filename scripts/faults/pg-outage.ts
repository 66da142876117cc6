/**
 * npm run faults -- pg-outage — PostgreSQL cut off and given back, under traffic.
 *
 * Two instances of the built app behind HAProxy on a PostgreSQL role and schema of their own
 * (`faults_outage`). Sixteen clients are signed in: half with access tokens that have expired
 * (every page load needs a refresh), half with fresh ones (which expire during the outage).
 * Then the role is locked (NOLOGIN) and its connections terminated, for eight seconds, while
 * every client keeps loading /dashboard, calling the token endpoint, the bearer API (with an
 * unexpired token), /api/private with its cookies, /api/admin, and signing in anew. Then the
 * role may log in again, and every client must work again — page, refresh, sign-in — without
 * restarting anything.
 *
 * Invariants (exit 1 and the reason when one breaks):
 *   - during the outage every answer is a success (the access-token path needs no database),
 *     the "try again" view, or 503 with a stable JSON code and Retry-After: never a 500 (with
 *     or without a stack), never the balancer's own error, never a redirect to sign in or a
 *     401 for a signed-in client, never a Set-Cookie clearing an auth cookie;
 *   - afterwards every client is signed in again within RECOVERY_BOUND seconds (a bound so the
 *     script ends, not a measured goal), and new sign-ins work;
 *   - no session was revoked, no reuse detected.
 *
 *   FAULTS_OUTAGE_SECONDS=8 npx tsx scripts/faults/pg-outage.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { LOCAL_POSTGRES, schemaUrl } from '../support/postgres-schema';
import { hasStack, jsonCode, Tally, classify, type Answer } from './support/answers';
import { eventCounts, readSessions, seedUsers } from './support/database';
import { balancerCounters, since } from './support/haproxy-stats';
import { Client, tokenClaims, TransportError, type Reply } from './support/http-client';
import { startFaultCluster } from './support/fault-cluster';
import {
  clientAddress,
  inParallel,
  requireBuild,
  runScript,
  scratchDir,
  sleep,
  Verdict,
} from './support/verdict';

const PORT = 3810;
const INSTANCE_PORTS = [3811, 3812];
const STATS_PORT = 3819;
const ROLE = 'faults_outage';
const CLIENTS = 16;
const ACCESS_TTL = 8;
const OUTAGE_SECONDS = Math.min(Math.max(Number(process.env.FAULTS_OUTAGE_SECONDS ?? 8), 2), 30);
const RECOVERY_BOUND = 30;
const PASSWORD = 'an outage to sit out';

const superuser = async (sql: string) => {
  const client = new pg.Client({ connectionString: LOCAL_POSTGRES });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
};
const terminateRole = () =>
  superuser(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${ROLE}'`);
async function dropRole() {
  await superuser(`ALTER ROLE ${ROLE} NOLOGIN`).catch(() => undefined); // absent: nothing to lock
  await terminateRole();
  await superuser(`DROP SCHEMA IF EXISTS ${ROLE} CASCADE`);
  await superuser(`DROP ROLE IF EXISTS ${ROLE}`);
}

/** What a client does during the outage, and the answers that are acceptable for it. */
type Kind = 'page' | 'refresh' | 'api cookie' | 'api bearer' | 'admin' | 'sign-in';
const ACCEPTABLE: Record<Kind, readonly Answer[]> = {
  page: ['signed-in', 'try-again'],
  refresh: ['ok', 'unavailable-503'],
  'api cookie': ['ok', 'unavailable-503'],
  'api bearer': ['ok'],
  admin: ['ok', 'unavailable-503'],
  'sign-in': ['ok', 'unavailable-503'],
};

runScript(async (cleanup) => {
  requireBuild({ haproxy: true });
  const verdict = new Verdict(
    `PostgreSQL outage: role locked and its connections terminated for ${OUTAGE_SECONDS} s, ${INSTANCE_PORTS.length} instances, ${CLIENTS} clients`,
  );
  const dir = scratchDir('pg-outage');

  await dropRole();
  await superuser(`CREATE ROLE ${ROLE} LOGIN`);
  await superuser(`CREATE SCHEMA ${ROLE} AUTHORIZATION ${ROLE}`);
  cleanup(dropRole);
  const databaseUrl = schemaUrl(LOCAL_POSTGRES.replace('postgres@', `${ROLE}@`), ROLE);
  const users = ['outage1', 'outage2', 'outage3', 'outage4'];
  await seedUsers(databaseUrl, [
    ...users.map((username) => ({ username, password: PASSWORD })),
    { username: 'outage-admin', password: PASSWORD, admin: true },
  ]);

  const { logs } = await startFaultCluster({
    dir,
    port: PORT,
    instancePorts: INSTANCE_PORTS,
    statsPort: STATS_PORT,
    databaseUrl,
    env: {
      AUTH_ACCESS_TTL: String(ACCESS_TTL),
    },
    verdict,
    cleanup,
  });

  const target = { host: '127.0.0.1', port: PORT };
  const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(target, clientAddress(i)));
  const usernameOf = (i: number) => (i === CLIENTS - 1 ? 'outage-admin' : users[i % users.length]!);
  const signIn = async (i: number) => {
    const reply = await clients[i]!.signIn(usernameOf(i), PASSWORD);
    if (reply.status !== 200) throw new Error(`sign-in ${i} answered ${reply.status}: ${reply.body}`);
  };
  // Half now, left to expire; half just before the cut (fresh for the outage's first seconds).
  const expiredHalf = CLIENTS / 2;
  verdict.log(
    `signing in ${expiredHalf} clients, then waiting ${ACCESS_TTL} s for their access tokens to expire`,
  );
  await inParallel(expiredHalf, 4, signIn);
  const expiry = Math.max(
    ...clients.slice(0, expiredHalf).map((c) => tokenClaims(c.accessToken()!).exp * 1000),
  );
  await sleep(Math.max(0, expiry - Date.now() + 500));
  await inParallel(CLIENTS - expiredHalf, 4, (i) => signIn(expiredHalf + i));
  const sids = clients.map((c) => tokenClaims(c.accessToken()!).sid);

  // The outage.
  const before = await balancerCounters(STATS_PORT);
  verdict.log(
    `cutting PostgreSQL off for ${OUTAGE_SECONDS} s (ALTER ROLE ${ROLE} NOLOGIN, pg_terminate_backend)`,
  );
  await superuser(`ALTER ROLE ${ROLE} NOLOGIN`);
  await terminateRole();
  const outageEnds = Date.now() + OUTAGE_SECONDS * 1000;
  const during = new Tally();
  const statuses = new Tally();
  const newcomers = Array.from({ length: 4 }, (_, i) => new Client(target, clientAddress(100 + i)));

  const judge = (kind: Kind, who: string, reply: Reply | TransportError) => {
    if (reply instanceof TransportError) {
      during.add(`${kind}: no answer`);
      verdict.check(false, `${who} ${kind}: ${reply.message}`);
      return;
    }
    const answer = classify(reply);
    const detail =
      answer === 'unavailable-503'
        ? ` (${jsonCode(reply.body)})`
        : answer === 'try-again'
          ? reply.body.includes('data-testid="session-unavailable"')
            ? " (the layout's view)"
            : " (the page's error boundary)"
          : '';
    const key = `${kind}: ${answer}${detail}`;
    // One answer of each sort kept, to read after a run.
    if (during.get(key) === 0)
      writeFileSync(join(dir, `${key.replace(/[^a-z0-9]+/gi, '-')}.txt`), `${reply.status}\n${reply.body}`);
    during.add(key);
    statuses.add(String(reply.status));
    verdict.check(
      ACCEPTABLE[kind].includes(answer),
      `${who} ${kind} answered ${reply.status} "${answer}": ${reply.body.slice(0, 160)}`,
    );
    verdict.check(!hasStack(reply.body), `${who} ${kind}: a stack trace in the body`);
  };
  const attempt = async (call: () => Promise<Reply>) =>
    call().catch((e: unknown) => {
      if (e instanceof TransportError) return e;
      throw e;
    });

  await Promise.all([
    ...clients.map(async (client, i) => {
      const who = `client ${i}`;
      for (let round = 0; Date.now() < outageEnds; round++) {
        const kinds: Kind[] = ['page', 'refresh', 'api cookie', 'api bearer'];
        if (i === CLIENTS - 1) kinds.push('admin');
        const kind = kinds[round % kinds.length]!;
        const access = client.accessToken();
        if (kind === 'api bearer') {
          // Only an unexpired token: an expired one is rightly refused (the client must refresh).
          if (!access || tokenClaims(access).exp * 1000 < Date.now() + 1500) continue;
          judge(
            kind,
            who,
            await attempt(() =>
              client.call(
                { path: '/api/private', headers: { authorization: `Bearer ${access}` } },
                { cookies: false },
              ),
            ),
          );
        } else if (kind === 'page') judge(kind, who, await attempt(() => client.page('/dashboard')));
        else if (kind === 'refresh') judge(kind, who, await attempt(() => client.refresh()));
        else if (kind === 'api cookie')
          judge(kind, who, await attempt(() => client.call({ path: '/api/private' })));
        else judge(kind, who, await attempt(() => client.call({ path: '/api/admin' })));
        await sleep(150);
      }
    }),
    ...newcomers.map(async (client, i) => {
      while (Date.now() < outageEnds) {
        judge(
          'sign-in',
          `newcomer ${i}`,
          await attempt(() => client.signIn(users[i % users.length]!, PASSWORD)),
        );
        await sleep(500);
      }
    }),
  ]);

  verdict.log('giving PostgreSQL back (ALTER ROLE … LOGIN); every client must recover');
  await superuser(`ALTER ROLE ${ROLE} LOGIN`);
  const restored = performance.now();
  const recoveredAfter: number[] = [];
  const unrecovered: string[] = [];
  const recover = async (name: string, step: () => Promise<Reply>, wanted: Answer) => {
    let last = '';
    while (performance.now() - restored < RECOVERY_BOUND * 1000) {
      const reply = await attempt(step);
      last = reply instanceof TransportError ? reply.message : `${reply.status} ${classify(reply)}`;
      if (!(reply instanceof TransportError) && classify(reply) === wanted) {
        recoveredAfter.push((performance.now() - restored) / 1000);
        return;
      }
      await sleep(250);
    }
    unrecovered.push(`${name} (last: ${last})`);
  };
  await Promise.all([
    ...clients.map(async (client, i) => {
      await recover(`client ${i} page`, () => client.page('/dashboard'), 'signed-in');
      await recover(`client ${i} refresh`, () => client.refresh(), 'ok');
    }),
    ...newcomers.map((client, i) =>
      recover(`newcomer ${i} sign-in`, () => client.signIn(users[i % users.length]!, PASSWORD), 'ok'),
    ),
  ]);
  verdict.check(
    unrecovered.length === 0,
    `not recovered within ${RECOVERY_BOUND} s: ${unrecovered.join('; ')}`,
  );
  const balancer = since(before, await balancerCounters(STATS_PORT));

  const sessions = await readSessions(databaseUrl);
  const events = await eventCounts(databaseUrl);
  const revoked = new Tally();
  for (const sid of sids) {
    const reason = sessions.get(sid)?.revokedReason;
    if (reason) revoked.add(reason);
  }
  const cleared = [...clients, ...newcomers].reduce((sum, c) => sum + c.clearedAuthCookies, 0);
  verdict.check(revoked.total() === 0, `sessions revoked: ${revoked}`);
  verdict.check((events.reuse_detected ?? 0) === 0, `${events.reuse_detected} reuse detection(s)`);
  verdict.check(cleared === 0, `${cleared} auth cookie(s) cleared`);
  verdict.check(logs.notable.get('request failed (500)') === 0, 'an instance logged a failed request (500)');

  verdict.row(
    'clients',
    `${CLIENTS} signed in (${expiredHalf} with expired access tokens), 4 signing in anew`,
  );
  verdict.row('requests during the outage', `${during.total()} (status ${statuses})`);
  for (const line of during.toString().split(', ')) verdict.row('', line);
  verdict.row(
    'recovered',
    `${recoveredAfter.length} checks passed, the last ${Math.max(0, ...recoveredAfter).toFixed(1)} s after the role could log in again`,
  );
  verdict.row('sessions revoked', revoked.toString());
  verdict.row('auth cookies cleared', cleared);
  verdict.row(
    'balancer',
    `${balancer.retries} retries, ${balancer.answered5xx} 5xx answered (the app's 503s); ${Object.entries(
      balancer.states,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  verdict.row('instance log', logs.notable.toString());
  return verdict;
});
