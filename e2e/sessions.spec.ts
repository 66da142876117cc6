import { expect, test } from './support/fixtures';
import { cutDatabase, type Outage } from './support/database';
import { BASE_URL, CLUSTER, MAIN } from './support/env';
import {
  authCookies,
  loginError,
  sessionRow,
  sidOf,
  signIn,
  sleep,
  tokenEndpoint,
  usersCommand,
  waitForAccessExpiry,
} from './support/helpers';

test.describe('sessions', () => {
  test('sign-out in one tab: the other tab is signed out by itself within a second, and the session is revoked', async ({
    context,
  }) => {
    const one = await context.newPage();
    const two = await context.newPage();
    await signIn(one, 'jon');
    await expect(one).toHaveURL('/dashboard');
    const sid = sidOf((await authCookies(context)).access!.value);
    await two.goto('/dashboard');
    await expect(two.getByTestId('welcome')).toBeVisible();

    await one.getByRole('button', { name: 'Sign out' }).first().click();
    await expect(one).toHaveURL('/');
    await expect(one.getByTestId('home-status')).toContainText('You are not signed in');
    expect(await sessionRow(sid)).toMatchObject({ revokedReason: 'logout' });

    // No click, no navigation in the second tab: it follows on its own (a BroadcastChannel
    // message, then a refresh the middleware answers with /login).
    await expect(two).toHaveURL('/login?next=%2Fdashboard', { timeout: 1_000 });
    await expect(two.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();
  });

  test('sign-in in one tab: the other tabs follow by themselves within a second', async ({ context }) => {
    const one = await context.newPage();
    const home = await context.newPage();
    const login = await context.newPage();
    await home.goto('/');
    await login.goto('/login?next=%2Fadmin');
    await expect(home.getByTestId('home-status')).toContainText('You are not signed in');

    await signIn(one, 'jon');
    await expect(one).toHaveURL('/dashboard');
    await expect(home.getByTestId('home-status')).toContainText('You are signed in as Jon Doe', {
      timeout: 1_000,
    });
    await expect(home.getByTestId('nav-user')).toHaveText('Jon Doe');
    // The sign-in page sends a signed-in visitor on to next, as it does on a visit.
    await expect(login).toHaveURL('/admin', { timeout: 1_000 });
    await expect(login.getByTestId('admin-title')).toBeVisible();
  });

  test('the tabs do not poll, and only a real change of session moves them', async ({ context }) => {
    const one = await context.newPage();
    const two = await context.newPage();
    await signIn(one, 'ada');
    await two.goto('/dashboard');
    await expect(two.getByTestId('welcome')).toHaveText('Welcome, Ada Lovelace');
    await two.waitForLoadState('networkidle'); // the links' prefetches are done
    const asked: string[] = [];
    two.on('request', (r) => asked.push(`${r.method()} ${r.url()}`));

    // Left alone, the tab asks for nothing.
    await sleep(2_000);
    expect(asked).toEqual([]);
    // Navigating, reloading and refreshing the token in the first tab keep the same session:
    // nothing to tell the second.
    await one.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    await expect(one.getByTestId('home-status')).toContainText('Ada Lovelace');
    await waitForAccessExpiry(context);
    await one.reload();
    await one.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await expect(one.getByTestId('welcome')).toHaveText('Welcome, Ada Lovelace');
    await sleep(1_000);
    expect(asked).toEqual([]);
    // A sign-out is a change.
    await one.getByRole('button', { name: 'Sign out' }).first().click();
    await expect(two).toHaveURL('/login?next=%2Fdashboard', { timeout: 1_000 });
  });

  test.describe(() => {
    // The 403 page is a document with a 403 status: Chromium logs it as a console error.
    test.use({ expectedConsoleErrors: [/status of 403 .*\/admin$/] });

    test('/admin: ada sees a 403 page, jon sees the admin page', async ({ browser }) => {
      const ada = await (await browser.newContext()).newPage();
      await signIn(ada, 'ada');
      await expect(ada).toHaveURL('/dashboard');
      const denied = await ada.goto('/admin');
      expect(denied!.status()).toBe(403);
      await expect(ada.getByTestId('forbidden')).toContainText('403');
      await expect(ada).toHaveURL('/admin'); // no redirect, no loop
      await expect(ada.getByRole('link', { name: 'Admin' })).toHaveCount(0);

      const jon = await (await browser.newContext()).newPage();
      await signIn(jon, 'jon');
      const allowed = await jon.goto('/admin');
      expect(allowed!.status()).toBe(200);
      await expect(jon.getByTestId('admin-title')).toHaveText('Admin');
      await expect(jon.getByRole('cell', { name: 'Ada Lovelace' })).toBeVisible();
    });

    test('/admin confirms against the database: lost rights and a session ended elsewhere count at once, without a loop', async ({
      page,
      context,
      playwright,
    }) => {
      await signIn(page, 'jon', '/login?next=%2Fadmin');
      await expect(page.getByTestId('admin-title')).toBeVisible();
      // Someone else must stay an admin meanwhile: the last active admin cannot be demoted.
      await usersCommand('set-admin', 'ada');
      try {
        await usersCommand('unset-admin', 'jon');
        expect((await page.reload())!.status()).toBe(403); // the access token still says admin
      } finally {
        await usersCommand('set-admin', 'jon');
        await usersCommand('unset-admin', 'ada');
      }
      expect((await page.reload())!.status()).toBe(200);

      // The session is ended from elsewhere (an API client holding the refresh token).
      const { refresh } = await authCookies(context);
      const api = await playwright.request.newContext({ baseURL: BASE_URL });
      const res = await api.post('/api/auth/logout', {
        form: { refresh_token: refresh!.value },
        headers: { accept: 'application/json' },
      });
      expect(res.status()).toBe(204);
      await api.dispose();
      await page.goto('/admin');
      await expect(page).toHaveURL('/login?next=%2Fadmin');
      await expect(page.getByLabel('Username')).toBeVisible();
    });
  });

  test('a user banned with the users command is signed out at the next refresh', async ({
    page,
    context,
  }) => {
    await signIn(page, 'eve');
    await expect(page.getByTestId('welcome')).toHaveText('Welcome, Eve Banned');
    const sid = sidOf((await authCookies(context)).access!.value);

    expect(await usersCommand('ban', 'eve')).toContain('banned eve; 1 session(s) revoked');
    expect(await sessionRow(sid)).toMatchObject({ revokedReason: 'user_banned' });

    await waitForAccessExpiry(context);
    await page.goto('/dashboard');
    await expect(page).toHaveURL('/login?next=%2Fdashboard');
    await page.getByLabel('Username').fill('eve');
    await page.getByLabel('Password').fill('e2e-password-eve');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // A banned account answers exactly like a wrong password (no account probing).
    await expect(loginError(page)).toHaveText('Wrong username or password.');
    await expect(page).toHaveURL('/login?next=%2Fdashboard');
  });

  test.describe('token endpoint unreachable', () => {
    test.afterEach(async () => tokenEndpoint('up'));

    test('with the access token expired: no loop, cookies kept, and the session resumes once it is back', async ({
      page,
      context,
    }) => {
      await signIn(page, 'jon');
      await expect(page).toHaveURL('/dashboard');
      const refresh = (await authCookies(context)).refresh!.value;
      const sid = sidOf((await authCookies(context)).access!.value);

      await tokenEndpoint('down');
      await waitForAccessExpiry(context);
      const documents: string[] = [];
      page.on('request', (r) => {
        if (r.resourceType() === 'document') documents.push(r.url());
      });
      const res = await page.goto('/dashboard');
      // Rendered by the segment's layout on the server: a plain page, no error status.
      expect(res!.status()).toBe(200);
      expect(res!.request().redirectedFrom()).toBeNull();
      await expect(page).toHaveURL('/dashboard');
      await expect(page.getByTestId('session-unavailable')).toContainText('couldn’t confirm your session');
      expect((await authCookies(context)).refresh!.value).toBe(refresh);
      expect(documents).toHaveLength(1); // one request: no redirect, no reload loop

      await tokenEndpoint('up');
      // A refresh: the page and the header are fetched again, not reloaded.
      await page.getByRole('link', { name: 'Try again' }).click();
      await expect(page.getByTestId('welcome')).toHaveText('Welcome, Jon Doe');
      await expect(page.getByTestId('nav-user')).toHaveText('Jon Doe');
      expect(documents).toHaveLength(1);
      expect((await authCookies(context)).refresh!.value).not.toBe(refresh);
      expect(await sessionRow(sid)).toMatchObject({ gen: 1, revokedAt: null });
    });
  });

  test.describe('without JavaScript', () => {
    test.use({ javaScriptEnabled: false });
    test.afterEach(async () => tokenEndpoint('up'));

    test('the "try again" view is a plain page, and its link brings the session back', async ({
      page,
      context,
    }) => {
      await signIn(page, 'jon');
      await expect(page).toHaveURL('/dashboard');
      await tokenEndpoint('down');
      await waitForAccessExpiry(context);
      const res = await page.goto('/dashboard');
      expect(res!.status()).toBe(200);
      await expect(page.getByTestId('session-unavailable')).toContainText('couldn’t confirm your session');
      await tokenEndpoint('up');
      await page.getByRole('link', { name: 'Try again' }).click();
      await expect(page.getByTestId('welcome')).toHaveText('Welcome, Jon Doe');
    });
  });

  // SQLite: another process holds the write lock; a cluster's PostgreSQL: the instances' role
  // is locked out and its connections cut (e2e/support/database.ts). Either way the token
  // endpoint cannot rotate the refresh token and answers 503 temporarily_unavailable.
  test.describe(
    CLUSTER ? 'the database refusing the instances' : 'the database locked by another writer',
    () => {
      let outage: Outage | undefined;
      test.afterEach(async () => {
        await outage?.restore();
        outage = undefined;
      });

      test('a refresh that cannot be written is "try again", never "signed out", and resumes when the database is back', async ({
        page,
        context,
      }) => {
        await signIn(page, 'ada');
        await expect(page).toHaveURL('/dashboard');
        const refresh = (await authCookies(context)).refresh!.value;
        const sid = sidOf((await authCookies(context)).access!.value);
        await waitForAccessExpiry(context);

        outage = await cutDatabase(MAIN);
        const res = await page.goto('/dashboard');
        expect(res!.status()).toBe(200);
        await expect(page).toHaveURL('/dashboard');
        await expect(page.getByTestId('session-unavailable')).toBeVisible();
        expect((await authCookies(context)).refresh!.value).toBe(refresh);

        await outage.restore();
        outage = undefined;
        await page.getByRole('link', { name: 'Try again' }).click();
        await expect(page.getByTestId('welcome')).toHaveText('Welcome, Ada Lovelace');
        expect(await sessionRow(sid)).toMatchObject({ gen: 1, revokedAt: null });
      });
    },
  );
});
