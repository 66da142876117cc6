import { join } from 'node:path';

/**
 * One place for the end-to-end setup shared by the server launcher (serve.ts), the Playwright
 * config and the tests. Short lifetimes make expiry observable in seconds.
 */
export const ROOT = join(__dirname, '..', '..');
export const APP_PORT = Number(process.env.E2E_PORT ?? 3217);
/** The middleware reaches the token endpoint through this proxy, which tests can switch off. */
export const PROXY_PORT = APP_PORT + 1;
export const CONTROL_PORT = APP_PORT + 2;
export const BASE_URL = `http://localhost:${APP_PORT}`;
export const DATA_DIR = join(ROOT, '.tmp', 'e2e');
export const DATABASE_URL = `file:${join(DATA_DIR, 'gatehouse.db')}`;

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
