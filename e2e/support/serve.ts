/**
 * Playwright's web server: a fresh database with the e2e users, a switchable proxy in front of
 * the token endpoint, and `next start` (the app must already be built) in production mode:
 * an explicit AUTH_SECRET, so Secure `__Host-` cookies and no demo users.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { systemClock } from '../../lib/edge/clock';
import { createArgon2Hasher } from '../../lib/auth/passwords';
import { cryptoRandom } from '../../lib/edge/random';
import { createUserAdmin } from '../../lib/auth/users';
import { openSqliteStore } from '../../lib/store/sqlite';
import {
  ACCESS_TTL,
  APP_PORT,
  BASE_URL,
  CONTROL_PORT,
  DATA_DIR,
  LONG_ACCESS_TTL,
  LONG_DATA_DIR,
  LONG_PORT,
  LONG_URL,
  PROXY_PORT,
  REFRESH_GRACE,
  REVOCATION_POLL,
  ROOT,
  USERS,
} from './env';

/**
 * `serve.ts` the main server (3-second tokens, a switchable proxy before the token endpoint);
 * `serve.ts --long` the revocation server (15-minute tokens, see env.ts).
 */
const LONG = process.argv.includes('--long');
const PROFILE = LONG
  ? // A one-second grace, so a test can replay a rotated-away refresh token without waiting long.
    { port: LONG_PORT, url: LONG_URL, dataDir: LONG_DATA_DIR, accessTtl: LONG_ACCESS_TTL, grace: 1 }
  : { port: APP_PORT, url: BASE_URL, dataDir: DATA_DIR, accessTtl: ACCESS_TTL, grace: REFRESH_GRACE };

async function seed() {
  const { dataDir } = PROFILE;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const store = await openSqliteStore(join(dataDir, 'gatehouse.db'));
  const admin = createUserAdmin({ store, hasher: createArgon2Hasher(), clock: systemClock, random: cryptoRandom });
  for (const u of Object.values(USERS)) {
    await admin.add({ username: u.username, displayName: u.name, password: u.password, admin: u.admin });
  }
  await store.close();
}

/** Forwards to the app while up; while down, drops every connection (ECONNRESET). */
function startProxy() {
  let up = true;
  const proxy = createServer((req, res) => {
    if (!up) {
      req.socket.destroy();
      return;
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: APP_PORT, path: req.url, method: req.method, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  proxy.listen(PROXY_PORT, '127.0.0.1');
  const control = createServer((req, res) => {
    if (req.method === 'POST' && (req.url === '/up' || req.url === '/down')) up = req.url === '/up';
    res.end(up ? 'up' : 'down');
  });
  control.listen(CONTROL_PORT, '127.0.0.1');
  return () => {
    proxy.close();
    control.close();
  };
}

async function main() {
  await seed();
  const stopProxy = LONG ? () => undefined : startProxy();
  // The app as `npm start` serves it: server.ts (client addresses from the socket, HSTS,
  // internal headers stripped) in production mode.
  const next = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server.ts')], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(PROFILE.port),
      AUTH_PUBLIC_URL: PROFILE.url,
      // The suite signs in from one address many times a minute; the shedding itself is
      // tested from an address of its own (throttle.spec.ts).
      AUTH_THROTTLE_BURST: '40',
      AUTH_THROTTLE_RATE: '5',
      AUTH_SECRET: randomBytes(32).toString('base64url'),
      DATABASE_URL: `file:${join(PROFILE.dataDir, 'gatehouse.db')}`,
      AUTH_ACCESS_TTL: String(PROFILE.accessTtl),
      AUTH_REFRESH_TTL: String(Math.max(600, PROFILE.accessTtl * 2)),
      AUTH_REFRESH_GRACE: String(PROFILE.grace),
      AUTH_REVOCATION_POLL: String(REVOCATION_POLL),
      AUTH_INTERNAL_URL: LONG ? `http://127.0.0.1:${LONG_PORT}` : `http://127.0.0.1:${PROXY_PORT}`,
    },
  });
  const stop = () => {
    stopProxy();
    next.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  next.on('exit', (code) => process.exit(code ?? 0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
