import { join } from 'node:path';

/**
 * One place for the end-to-end setup shared by the server launcher (serve.ts), the Playwright
 * config and the tests. Short lifetimes make expiry observable in seconds.
 */
export const ROOT = join(__dirname, '..', '..');
export const APP_PORT = Number(process.env.E2E_PORT ?? 3217);
/**
 * The middleware reaches the token endpoint through this proxy, which tests can switch off from
 * CONTROL_PORT (token-proxy.ts; a cluster has one per instance, switched together).
 */
export const PROXY_PORT = APP_PORT + 1;
export const CONTROL_PORT = APP_PORT + 2;
export const BASE_URL = `http://localhost:${APP_PORT}`;
export const DATA_DIR = join(ROOT, '.tmp', 'e2e');

export const ACCESS_TTL = 3;
// Long enough that ten parallel requests on a loaded CI machine all land inside it.
export const REFRESH_GRACE = 5;

export const USERS = {
  jon: { username: 'jon', name: 'Jon Doe', admin: true, password: 'e2e-password-jon' },
  ada: { username: 'ada', name: 'Ada Lovelace', admin: false, password: 'e2e-password-ada' },
  eve: { username: 'eve', name: 'Eve Banned', admin: false, password: 'e2e-password-eve' },
  // Attacked in the throttling tests, so its counters never get in the others' way.
  zed: { username: 'zed', name: 'Zed Target', admin: false, password: 'e2e-password-zed' },
} as const;

export const COOKIE = { access: '__Host-gatehouse-access', refresh: '__Host-gatehouse-refresh' } as const;

/**
 * A second server for what short tokens would hide: revocation. Its access tokens live 15
 * minutes, so a token refused after a sign-out elsewhere was refused by the revocation set, not
 * by its expiry; the set is polled every second. Same users, its own database. Cookies do not
 * separate by port: a test uses one server per browser context.
 */
export const LONG_PORT = APP_PORT + 20;
export const LONG_URL = `http://localhost:${LONG_PORT}`;
export const LONG_DATA_DIR = join(ROOT, '.tmp', 'e2e-long');
export const LONG_ACCESS_TTL = 900;
export const REVOCATION_POLL = 1;

/**
 * E2E_CLUSTER=1: the same suite against the production shape of scaling out. Each server
 * above becomes two instances (server.ts, 127.0.0.1) sharing a PostgreSQL schema behind
 * HAProxy, round-robin (scripts/support/cluster.ts), answering at the same URL, so a test's
 * requests land on both. What is per process — the per-address request bucket, single flight,
 * each instance's revocation set — is then INSTANCES times over.
 */
export const CLUSTER = ['1', 'true'].includes(process.env.E2E_CLUSTER?.trim() ?? '');

/** One of the suite's servers: a single `server.ts`, or a cluster answering at the same URL. */
export interface Profile {
  readonly port: number;
  readonly url: string;
  /** Single server: its SQLite database lives here. */
  readonly dataDir: string;
  /** Cluster: the PostgreSQL schema its instances share and the role they log in as (database.ts). */
  readonly pgName: string;
  /** Cluster: its instances' ports, on 127.0.0.1. */
  readonly instancePorts: readonly number[];
}

export const MAIN: Profile = {
  port: APP_PORT,
  url: BASE_URL,
  dataDir: DATA_DIR,
  pgName: `gatehouse_e2e_${APP_PORT}`,
  instancePorts: [APP_PORT + 10, APP_PORT + 11],
};
export const LONG: Profile = {
  port: LONG_PORT,
  url: LONG_URL,
  dataDir: LONG_DATA_DIR,
  pgName: `gatehouse_e2e_${APP_PORT}_long`,
  instancePorts: [LONG_PORT + 1, LONG_PORT + 2],
};
/** Cluster: each main instance's own switchable proxy before its token endpoint (PROXY_PORT's role). */
export const INSTANCE_PROXY_PORTS = [APP_PORT + 12, APP_PORT + 13] as const;

/** How many processes answer at each URL. */
export const INSTANCES = CLUSTER ? MAIN.instancePorts.length : 1;

/**
 * server.ts's per-address bucket for sign-in requests (AUTH_THROTTLE_BURST / _RATE): roomy,
 * since the suite signs in from one address many times a minute; the shedding itself is tested
 * from addresses of its own (throttle.spec.ts). The bucket is per process and a cluster deals
 * the suite's requests out over its instances, so each gets its share of the single server's
 * 40: a flood then costs the cluster as much work as it costs the single server.
 */
export const REQUEST_BURST = 40 / INSTANCES;
export const REQUEST_RATE = 5;
