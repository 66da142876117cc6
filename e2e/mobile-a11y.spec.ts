import { expect, test } from './support/fixtures';
import { expectAccessible } from './support/a11y';
import { USERS } from './support/env';
import { loginError, signIn, sleep, tokenEndpoint, waitForAccessExpiry } from './support/helpers';

/**
 * Every page, in every state a person meets it, on the narrowest phones: nothing scrolls
 * sideways and axe-core finds nothing (e2e/support/a11y.ts). The other specs check the
 * states they create as well; this one makes sure every page is covered at 320 and 375 px.
 */
for (const width of [320, 375]) {
  test.describe(`on a ${width} px phone`, () => {
    test.use({ viewport: { width, height: 700 }, isMobile: true, hasTouch: true });

    test('signed out: home, sign-in, its error states', async ({ page }) => {
      await page.goto('/');
      await expect(page.getByTestId('home-status')).toContainText('You are not signed in');
      await expectAccessible(page, `home, signed out, ${width} px`);

      await page.goto('/login');
      await expectAccessible(page, `/login, ${width} px`);
      await page.getByLabel('Username').fill(USERS.jon.username);
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(loginError(page)).toHaveText('Wrong username or password.');
      await expectAccessible(page, `/login after a wrong password, ${width} px`);

      await page.goto('/login?error=too_many_attempts&retry_after=3600&next=%2Fadmin');
      await expect(loginError(page)).toContainText('Please wait 1 hour');
      await expectAccessible(page, `/login with an error in the query, ${width} px`);
    });

    test('signed in as an admin: dashboard, home, admin and their loading states', async ({ page }) => {
      await signIn(page, 'jon');
      await expect(page.getByTestId('welcome')).toHaveText('Welcome, Jon Doe');
      await expectAccessible(page, `/dashboard, ${width} px`);

      await page.goto('/');
      await expect(page.getByTestId('home-status')).toContainText('You are signed in as Jon Doe');
      await expectAccessible(page, `home, signed in, ${width} px`);

      // loading.tsx: hold the page's data (not the prefetched loading state) while it shows.
      await page.waitForLoadState('networkidle');
      await page.route(
        (url) => url.pathname === '/admin',
        async (route) => {
          const headers = route.request().headers();
          if (headers.rsc && !headers['next-router-prefetch']) await sleep(1_500);
          await route.continue();
        },
      );
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
      await expect(page.getByTestId('loading')).toHaveText('Loading users and recent events…');
      await expectAccessible(page, `/admin loading, ${width} px`);
      await expect(page.getByTestId('admin-title')).toBeVisible();
      await expect(page.getByRole('cell', { name: 'Ada Lovelace' })).toBeVisible();
      await expectAccessible(page, `/admin, ${width} px`);
    });

    test.describe(() => {
      // Chromium logs a document's 404 and 403 as console errors.
      test.use({ expectedConsoleErrors: [/status of 40[34] .*\/(no-such-page|admin)$/] });

      test('the 404 page, and the 403 page as ada', async ({ page }) => {
        expect((await page.goto('/no-such-page'))!.status()).toBe(404);
        await expect(page.getByTestId('not-found')).toContainText('Page not found');
        await expectAccessible(page, `404, ${width} px`);

        await signIn(page, 'ada');
        expect((await page.goto('/admin'))!.status()).toBe(403);
        await expect(page.getByTestId('forbidden')).toContainText('403');
        await expectAccessible(page, `403, ${width} px`);
      });
    });

    test.describe(() => {
      test.afterEach(async () => tokenEndpoint('up'));

      test('the session-unavailable view', async ({ page, context }) => {
        await signIn(page, 'ada');
        await tokenEndpoint('down');
        await waitForAccessExpiry(context);
        await page.goto('/dashboard');
        await expect(page.getByTestId('session-unavailable')).toBeVisible();
        await expectAccessible(page, `session unavailable, ${width} px`);
      });
    });
  });
}
