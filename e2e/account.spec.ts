import type { Browser, BrowserContext, Page } from '@playwright/test';
import { createArgon2Hasher } from '../lib/auth/passwords';
import { cryptoRandom, randomId } from '../lib/edge/random';
import { expectAccessible } from './support/a11y';
import { withStore } from './support/database';
import { LONG, LONG_URL } from './support/env';
import { expect, test } from './support/fixtures';

/**
 * The account page, against the server with 15-minute access tokens (LONG_URL): a browser
 * signed out from another one is signed out by the revocation set, not by its token expiring.
 * Every test makes its own user in that server's database, so changing a password or ending
 * sessions never touches what the other specs sign in as.
 */
interface Person {
  readonly username: string;
  readonly name: string;
  password: string;
}

let serial = 0;
async function newPerson(): Promise<Person> {
  const person = {
    username: `acct${Date.now().toString(36)}${serial++}`,
    name: 'Grace Hopper',
    password: `pw-${randomId(cryptoRandom, 12)}`,
  };
  await withStore(LONG, async (store) => {
    await store.createUser({
      id: randomId(cryptoRandom),
      username: person.username,
      displayName: person.name,
      passwordHash: await createArgon2Hasher().hash(person.password),
      admin: false,
      now: Date.now(),
    });
  });
  return person;
}

const url = (path: string) => `${LONG_URL}${path}`;

/** Signs in through the form, as a person would, and waits to be sent on. */
async function signIn(page: Page, person: Person, next = '/account') {
  await page.goto(url(`/login?next=${encodeURIComponent(next)}`));
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === next);
}

/** A second browser, signed in as the same person (its own cookies: another device). */
async function anotherBrowser(
  browser: Browser,
  person: Person,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, person, '/dashboard');
  return { context, page };
}

/**
 * This browser is signed out: its next navigation to a protected page lands on the sign-in
 * page. Retried, since the revocation set is polled (every second on this server).
 */
async function expectSignedOut(page: Page, path = '/dashboard') {
  await expect(async () => {
    await page.goto(url(path));
    expect(new URL(page.url()).pathname).toBe('/login');
  }).toPass({ timeout: 10_000 });
}

const rows = (page: Page) => page.getByTestId('session-row');
const otherRow = (page: Page) => rows(page).and(page.locator(':not([data-current])'));

test.describe('account page', () => {
  test('shows name, username and the sessions with this device marked; passes the accessibility check', async ({
    page,
    browser,
  }) => {
    const grace = await newPerson();
    const other = await anotherBrowser(browser, grace);
    await signIn(page, grace);
    await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
    await expect(page.getByTestId('account-name')).toHaveText(grace.name);
    await expect(page.getByTestId('account-username')).toHaveText(grace.username);
    await expect(
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }),
    ).toHaveAttribute('aria-current', 'page');

    await expect(rows(page)).toHaveCount(2);
    // The newest first: this one, marked; both read as the browser and system they are.
    const mine = rows(page).first();
    await expect(mine.getByTestId('this-device')).toHaveText('this device');
    await expect(page.getByTestId('this-device')).toHaveCount(1);
    await expect(mine).toContainText(/Chrome \d+ on Linux/);
    await expect(otherRow(page)).toContainText(/Chrome \d+ on Linux/);
    await expect(mine).toContainText(/127\.0\.0\.1|::1/);
    await expect(mine.locator('time').first()).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/);
    await expectAccessible(page, '/account');
    // On a phone the table scrolls inside its card, not the page.
    await page.setViewportSize({ width: 320, height: 640 });
    await expectAccessible(page, '/account at 320px');
    await page.setViewportSize({ width: 1280, height: 720 });

    // Sign out of all other sessions: this one stays, the other browser is out. Its next visit
    // to this page is refused at once: the page confirms the session in the database.
    await page.getByRole('button', { name: 'Sign out of all other sessions' }).click();
    await expect(page.getByTestId('others-notice')).toHaveText('Signed out of 1 other session.');
    await expect(rows(page)).toHaveCount(1);
    await other.page.goto(url('/account'));
    await expect(other.page).toHaveURL(url('/login?next=%2Faccount'));
    await page.reload();
    await expect(rows(page)).toHaveCount(1);
    await other.context.close();
  });

  test("revoking the other browser's session: it is at /login on its next navigation", async ({
    page,
    browser,
  }) => {
    const grace = await newPerson();
    const other = await anotherBrowser(browser, grace);
    await signIn(page, grace);
    await expect(rows(page)).toHaveCount(2);

    await otherRow(page)
      .getByRole('button', { name: /^Revoke the session of/ })
      .click();
    await expect(page.getByTestId('sessions-notice')).toHaveText(
      'The session was ended. That browser or app is signed out.',
    );
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first().getByTestId('this-device')).toBeVisible();

    // Its access token is good for 15 more minutes: only the revocation set can refuse it.
    await expectSignedOut(other.page);
    // This browser is still signed in.
    await page.goto(url('/dashboard'));
    await expect(page.getByTestId('welcome')).toHaveText(`Welcome, ${grace.name}`);
    await other.context.close();
  });

  test('revoking this device signs this browser out', async ({ page }) => {
    const grace = await newPerson();
    await signIn(page, grace);
    await rows(page)
      .first()
      .getByRole('button', { name: /^Revoke this device/ })
      .click();
    await expect(page).toHaveURL(url('/login'));
    await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();
    await page.goto(url('/account'));
    await expect(page).toHaveURL(url('/login?next=%2Faccount'));
  });

  test('a password change signs the other browser out and keeps this one', async ({ page, browser }) => {
    const grace = await newPerson();
    const other = await anotherBrowser(browser, grace);
    await signIn(page, grace);
    const next = `new-${grace.password}`;

    await page.getByLabel('Current password').fill(grace.password);
    await page.getByLabel('New password').fill(next);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByTestId('password-notice')).toHaveText(
      'Your password has been changed, and 1 other session was signed out.',
    );
    await expect(page.getByLabel('Current password')).toHaveValue('');
    await expect(rows(page)).toHaveCount(1);
    await page.reload();
    await expect(page.getByTestId('account-username')).toHaveText(grace.username);

    await expectSignedOut(other.page);
    // The new password is the one that works now.
    grace.password = next;
    await signIn(other.page, grace, '/dashboard');
    await expect(other.page.getByTestId('welcome')).toHaveText(`Welcome, ${grace.name}`);
    await other.context.close();
  });

  test('a wrong current password, or a weak new one, is explained and changes nothing', async ({
    page,
    browser,
  }) => {
    const grace = await newPerson();
    const other = await anotherBrowser(browser, grace);
    await signIn(page, grace);

    await page.getByLabel('Current password').fill('not-my-password');
    await page.getByLabel('New password').fill('a perfectly good passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByTestId('password-error')).toHaveText('Your current password is not right.');
    await expect(page.getByLabel('Current password')).toBeFocused();
    await expect(page.getByLabel('Current password')).toHaveAttribute('aria-invalid', 'true');

    await page.getByLabel('Current password').fill(grace.password);
    await page.getByLabel('New password').fill(grace.username);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByTestId('password-error')).toHaveText(
      'That new password cannot be used: the password must not be the username.',
    );
    await expect(page.getByLabel('New password')).toBeFocused();
    await expectAccessible(page, '/account with an error');

    // Nothing changed: the other browser is still signed in, with the old password.
    await other.page.goto(url('/account'));
    await expect(rows(other.page)).toHaveCount(2);
    await other.context.close();
  });

  test('sign out everywhere: this browser and every other one', async ({ page, browser }) => {
    const grace = await newPerson();
    const other = await anotherBrowser(browser, grace);
    await signIn(page, grace);
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(page).toHaveURL(url('/login'));
    await page.goto(url('/account'));
    await expect(page).toHaveURL(url('/login?next=%2Faccount'));
    await expectSignedOut(other.page);
    await other.context.close();
  });

  test('the API: bearer clients list and end sessions; unknown methods are 405, garbage ids 404', async ({
    playwright,
  }) => {
    const grace = await newPerson();
    const api = await playwright.request.newContext({ baseURL: LONG_URL });
    const login = await api.post('/api/auth/login', {
      data: { username: grace.username, password: grace.password },
    });
    expect(login.status()).toBe(200);
    const { access_token: token } = await login.json();
    const auth = { authorization: `Bearer ${token}` };

    const list = await api.get('/api/auth/sessions', { headers: auth });
    expect(list.status()).toBe(200);
    const { sessions } = await list.json();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ current: true, ip: expect.stringMatching(/^(127\.0\.0\.1|::1)$/) });

    expect((await api.put('/api/auth/sessions', { headers: auth })).status()).toBe(405);
    expect((await api.post(`/api/auth/sessions/${sessions[0].id}`, { headers: auth })).status()).toBe(405);
    expect((await api.get('/api/auth/sessions/revoke-all', { headers: auth })).status()).toBe(405);
    for (const garbage of ['nope', '%C3%A9', 'a'.repeat(300), '%25']) {
      const res = await api.delete(`/api/auth/sessions/${garbage}`, { headers: auth });
      expect(res.status(), garbage).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    }
    // No credential (a context of its own: this one keeps the cookies the sign-in set).
    const bare = await playwright.request.newContext({ baseURL: LONG_URL });
    expect((await bare.get('/api/auth/sessions')).status()).toBe(401);
    await bare.dispose();

    const all = await api.post('/api/auth/sessions/revoke-all', { headers: auth });
    expect(all.status()).toBe(204);
    expect((await api.get('/api/auth/sessions', { headers: auth })).status()).toBe(401);
    await api.dispose();
  });
});

test.describe('account page without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test("revoking another browser's session is a plain form post", async ({ page, browser }) => {
    const grace = await newPerson();
    const other = await anotherBrowser(browser, grace);
    await signIn(page, grace);
    await expect(rows(page)).toHaveCount(2);

    await otherRow(page)
      .getByRole('button', { name: /^Revoke the session of/ })
      .click();
    await expect(page.getByTestId('sessions-notice')).toHaveText(
      'The session was ended. That browser or app is signed out.',
    );
    await expect(rows(page)).toHaveCount(1);
    await expect(page).toHaveURL(url('/account'));
    await other.page.goto(url('/account'));
    await expect(other.page).toHaveURL(url('/login?next=%2Faccount'));
    await other.context.close();
  });
});
