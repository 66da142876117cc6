/**
 * Playwright's web server: a fresh database with the e2e users, a switchable proxy in front of
 * the token endpoint, and the built app (`next build` must have run) as `npm start` serves it:
 * server.ts in production mode, with an explicit AUTH_SECRET, so Secure `__Host-` cookies and
 * no demo users. With E2E_CLUSTER=1 the same server is a cluster (env.ts): two instances on
 * PostgreSQL behind HAProxy, one secret, each instance's middleware reaching its own token
 * endpoint through its own proxy. SIGTERM stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createArgon2Hasher } from '../../lib/auth/passwords';
import { createUserAdmin } from '../../lib/auth/users';
import { systemClock } from '../../lib/edge/clock';
import { cryptoRandom } from '../../lib/edge/random';
import { startCluster } from '../../scripts/support/cluster';
import { freshDatabase, withDatabase } from './database';
import {
  ACCESS_TTL,
  CLUSTER,
  CONTROL_PORT,
  INSTANCE_PROXY_PORTS,
  LONG,
  LONG_ACCESS_TTL,
  MAIN,
  PROXY_PORT,
  REFRESH_GRACE,
  REQUEST_BURST,
  REQUEST_RATE,
  REVOCATION_POLL,
  ROOT,
  USERS,
} from './env';
import { requireHaproxy } from './haproxy';
import { startTokenProxies } from './token-proxy';

/**
 * `serve.ts` the main server (3-second tokens, a switchable proxy before the token endpoint);
 * `serve.ts --long` the revocation server (15-minute tokens, see env.ts).
 */
const IS_LONG = process.argv.includes('--long');
const PROFILE = IS_LONG ? LONG : MAIN;
const SETTINGS = IS_LONG
  ? // A one-second grace, so a test can replay a rotated-away refresh token without waiting long.
    { accessTtl: LONG_ACCESS_TTL, grace: 1 }
  : { accessTtl: ACCESS_TTL, grace: REFRESH_GRACE };

/** The e2e users, written as the server will connect (on PostgreSQL: as its role, which owns the tables). */
async function seed(databaseUrl: string) {
  await withDatabase(databaseUrl, async (store) => {
    const admin = createUserAdmin({
      store,
      hasher: createArgon2Hasher(),
      clock: systemClock,
      random: cryptoRandom,
    });
    for (const u of Object.values(USERS)) {
      await admin.add({ username: u.username, displayName: u.name, password: u.password, admin: u.admin });
    }
  });
}

/** What every instance of this server gets. */
function serverEnv(databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    AUTH_PUBLIC_URL: PROFILE.url,
    AUTH_THROTTLE_BURST: String(REQUEST_BURST),
    AUTH_THROTTLE_RATE: String(REQUEST_RATE),
    // One secret per run, shared by a cluster's instances.
    AUTH_SECRET: randomBytes(32).toString('base64url'),
    DATABASE_URL: databaseUrl,
    AUTH_ACCESS_TTL: String(SETTINGS.accessTtl),
    AUTH_REFRESH_TTL: String(Math.max(600, SETTINGS.accessTtl * 2)),
    AUTH_REFRESH_GRACE: String(SETTINGS.grace),
    AUTH_REVOCATION_POLL: String(REVOCATION_POLL),
  };
}

/** One server.ts, on the profile's own port; resolves with a stop function once spawned. */
async function serveSingle(databaseUrl: string): Promise<() => Promise<void>> {
  const stopProxies = IS_LONG
    ? () => undefined
    : await startTokenProxies({ routes: [[PROXY_PORT, PROFILE.port]], controlPort: CONTROL_PORT });
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server.ts')], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...serverEnv(databaseUrl),
      PORT: String(PROFILE.port),
      AUTH_INTERNAL_URL: `http://127.0.0.1:${IS_LONG ? PROFILE.port : PROXY_PORT}`,
    },
  });
  server.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[serve] server.ts exited (${signal ?? code})`);
      process.exit(code ?? 1);
    }
  });
  return async () => {
    stopProxies();
    if (server.exitCode === null && server.signalCode === null) {
      const gone = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await gone;
    }
  };
}

/** The profile's instances behind HAProxy at the profile's port; resolves once it serves. */
async function serveCluster(databaseUrl: string): Promise<() => Promise<void>> {
  requireHaproxy();
  const { instancePorts } = PROFILE;
  const proxyOf = (instancePort: number) => INSTANCE_PROXY_PORTS[instancePorts.indexOf(instancePort)]!;
  const stopProxies = IS_LONG
    ? () => undefined
    : await startTokenProxies({
        routes: instancePorts.map((port) => [proxyOf(port), port] as const),
        controlPort: CONTROL_PORT,
      });
  try {
    const cluster = await startCluster({
      port: PROFILE.port,
      instancePorts,
      env: serverEnv(databaseUrl),
      ...(IS_LONG ? {} : { internalUrl: (port: number) => `http://127.0.0.1:${proxyOf(port)}` }),
      // Each line prefixed with the instance that wrote it ([app1], [app2], [haproxy]).
      log: (line) => console.error(line),
    });
    for (const instance of cluster.instances) {
      instance.process.once('exit', (code, signal) => {
        if (!stopping) console.error(`[serve] ${instance.name} exited (${signal ?? code})`);
      });
    }
    return async () => {
      stopProxies();
      await cluster.close();
    };
  } catch (error) {
    stopProxies();
    throw error;
  }
}

let stopping = false;

async function main() {
  // Listening from the start: a stop asked for while starting waits for the start, then stops.
  const running: { stop?: () => Promise<void> } = {};
  const finish = (stop: () => Promise<void>) =>
    void stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[serve] stopping failed', error);
        process.exit(1);
      },
    );
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    if (running.stop) finish(running.stop);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  const databaseUrl = await freshDatabase(PROFILE);
  await seed(databaseUrl);
  running.stop = await (CLUSTER ? serveCluster : serveSingle)(databaseUrl);
  if (stopping) finish(running.stop);
}

main().catch((error: unknown) => {
  console.error(`[serve] cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
