import type { BrowserContext, Page } from '@playwright/test';
import { createArgon2Hasher } from '../lib/auth/passwords';
import { cryptoRandom, randomId } from '../lib/edge/random';
import type { Store } from '../lib/auth/store';
import { databaseUrl, openDatabase } from './support/database';
import { COOKIE, LONG, LONG_URL, REVOCATION_POLL } from './support/env';
import { expect, test } from './support/fixtures';

/**
 * Revocation in seconds, on the server whose access tokens live 15 minutes (e2e/support/env.ts):
 * a token refused here was refused by the revocation set, not by its expiry. Each test ends a
 * session some way, then retries the old token until it is refused; the time that took is
 * printed (bounded by the poll, never asserted as a timing).
 */
test.use({ baseURL: LONG_URL });

let store: Store;
const password = 'revocation-e2e-password';

test.beforeAll(async () => {
  store = await openDatabase(databaseUrl(LONG));
});
test.afterAll(async () => store?.close());

/** A user of this test alone, made in the server's database as another instance would. */
async function freshUser(prefix: string) {
  const username = `${prefix}-${randomId(cryptoRandom, 4)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}`;
  const cheap = createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
  return store.createUser({
    id: randomId(cryptoRandom),
    username,
    displayName: `Revocation ${prefix}`,
    passwordHash: await cheap.hash(password),
    admin: false,
    now: Date.now(),
  });
}

async function signInAs(page: Page, username: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL('/dashboard');
}

async function tokens(context: BrowserContext) {
  const all = await context.cookies();
  return {
    access: all.find((c) => c.name === COOKIE.access)!.value,
    refresh: all.find((c) => c.name === COOKIE.refresh)!.value,
  };
}

/** A second browser holding copies of the first one's cookies: the old tokens, replayed. */
async function copyOf(context: BrowserContext, browser: import('@playwright/test').Browser) {
  const copy = await browser.newContext({ baseURL: LONG_URL });
  await copy.addCookies(await context.cookies());
  return copy;
}

/**
 * Retries until the old access token is refused on a page (sent to /login) and by the bearer
 * API (401), and says how long after `since` that was.
 */
async function expectRefused(page: Page, access: string, what: string, since: number) {
  await expect(async () => {
    const res = await page.request.get('/api/private', { headers: { authorization: `Bearer ${access}` } });
    expect(res.status()).toBe(401);
  }).toPass({ timeout: 10_000, intervals: [100] });
  const apiAfter = Date.now() - since;
  await expect(async () => {
    await page.goto('/dashboard');
    await expect(page).toHaveURL(/\/login\?next=%2Fdashboard$/, { timeout: 500 });
  }).toPass({ timeout: 10_000, intervals: [100] });
  console.log(
    `[revocation] ${what}: bearer API refused after ${apiAfter} ms, page at /login after ${Date.now() - since} ms (poll ${REVOCATION_POLL} s)`,
  );
}

test('a sign-out ends the session on every request: a copied cookie goes to /login, the bearer API says 401', async ({
  page,
  context,
  browser,
}) => {
  const user = await freshUser('signout');
  await signInAs(page, user.username);
  const { access } = await tokens(context);
  const thief = await copyOf(context, browser);
  const stolen = await thief.newPage();
  await stolen.goto('/dashboard');
  await expect(stolen.getByTestId('welcome')).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).first().click();
  const at = Date.now();
  await expect(page).toHaveURL('/');
  await expectRefused(stolen, access, 'sign-out', at);
  await thief.close();
});

test('a ban ends every session of the user within the poll', async ({ page, context }) => {
  const user = await freshUser('ban');
  await signInAs(page, user.username);
  const { access } = await tokens(context);
  // Banned from another instance (or the users command): only the database knows.
  const at = Date.now();
  await store.updateUser(user.id, { status: 'banned', revokedBefore: at }, at);
  await store.revokeUserSessions(user.id, 'user_banned', at);
  await expectRefused(page, access, 'ban', at);
  await expect(page.getByLabel('Username')).toBeVisible();
});

test('reuse detection ends the session: its unexpired access token is refused too', async ({
  page,
  context,
  playwright,
}) => {
  const user = await freshUser('reuse');
  await signInAs(page, user.username);
  const { access, refresh } = await tokens(context);
  const api = await playwright.request.newContext({ baseURL: LONG_URL });
  try {
    // An API client spends the refresh token the browser also holds…
    const first = await api.post('/api/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: refresh },
    });
    expect(first.status()).toBe(200);
    // …and once the grace window has passed, the browser's copy is a replay: the session ends.
    let at = 0;
    await expect(async () => {
      const again = await api.post('/api/auth/token', {
        form: { grant_type: 'refresh_token', refresh_token: refresh },
      });
      expect(again.status()).toBe(401);
      at = Date.now();
    }).toPass({ timeout: 10_000, intervals: [250] });
    await expectRefused(page, access, 'reuse detection', at);
  } finally {
    await api.dispose();
  }
});
