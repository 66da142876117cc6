import { expect, test } from './support/fixtures';
import { COOKIE, USERS } from './support/env';
import { authCookies, loginError, plantCookie, signIn } from './support/helpers';

test.describe('sign-in', () => {
  test('through the form with JavaScript; the cookies are httpOnly, Secure, SameSite=Lax, __Host-', async ({ page, context }) => {
    await signIn(page, 'jon');
    await expect(page).toHaveURL('/dashboard');
    await expect(page.getByTestId('welcome')).toHaveText('Welcome, Jon Doe');
    await expect(page.getByTestId('nav-user')).toHaveText('Jon Doe');

    const { access, refresh } = await authCookies(context);
    for (const cookie of [access, refresh]) {
      expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    }
    // Script on the page cannot see either token.
    expect(await page.evaluate(() => document.cookie)).not.toContain('gatehouse');
  });

  test.describe(() => {
    // The fetch sign-in answers 401: Chromium logs every 4xx fetch as a console error.
    test.use({ expectedConsoleErrors: [/status of 401 .*\/api\/auth\/login$/] });

    test('a wrong password shows an announced inline error and focuses the password field', async ({ page }) => {
      await page.goto('/login');
      await page.getByLabel('Username').fill('jon');
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(loginError(page)).toHaveText('Wrong username or password.');
      await expect(loginError(page)).toHaveAttribute('role', 'alert');
      await expect(page.getByLabel('Password')).toBeFocused();
      await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
      await expect(page).toHaveURL('/login');
      // An unknown user gets exactly the same answer.
      await page.getByLabel('Username').fill('nobody');
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(loginError(page)).toHaveText('Wrong username or password.');
    });
  });

  test('a protected page without a session redirects to /login?next=… and returns there after sign-in', async ({ page }) => {
    await page.goto('/admin');
    await expect(page).toHaveURL('/login?next=%2Fadmin');
    await page.getByLabel('Username').fill(USERS.jon.username);
    await page.getByLabel('Password').fill(USERS.jon.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL('/admin');
    await expect(page.getByTestId('admin-title')).toBeVisible();
  });

  for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example', '/.//evil.example']) {
    test(`an unsafe next (${next}) lands on /dashboard`, async ({ page }) => {
      await signIn(page, 'ada', `/login?next=${encodeURIComponent(next)}`);
      await expect(page).toHaveURL('/dashboard');
      await expect(page.getByTestId('welcome')).toHaveText('Welcome, Ada Lovelace');
    });
  }

  test('a signed-in visitor at /login is sent on to next', async ({ page }) => {
    await signIn(page, 'jon');
    await expect(page).toHaveURL('/dashboard');
    await page.goto('/login?next=%2Fadmin');
    await expect(page).toHaveURL('/admin');
  });

  test('pages verify the token themselves: a forged access cookie is not trusted', async ({ page, context }) => {
    // A well-formed JWT with our header and claims, signed with some other key. The home page is
    // public, so middleware lets it through; the page's own check must refuse it.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const forged = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: 'x' })}.${b64({ sub: 'u', sid: 's', name: 'Mallory', admin: true, iss: 'gatehouse', aud: 'gatehouse', jti: 'j', iat: 1, exp: 4e9 })}.c2ln`;
    await plantCookie(context, COOKIE.access, forged);
    await page.goto('/');
    await expect(page.getByTestId('home-status')).toContainText('You are not signed in');
    // (The header the middleware uses internally cannot be sent from outside: headers.spec.ts.)
  });
});

test.describe('sign-in without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the plain form post signs in and lands on next', async ({ page }) => {
    await signIn(page, 'jon', '/login?next=%2Fadmin');
    await expect(page).toHaveURL('/admin');
    await expect(page.getByTestId('admin-title')).toBeVisible();
  });

  test('a wrong password comes back to /login with the error shown and next kept', async ({ page }) => {
    await page.goto('/login?next=%2Fdashboard');
    await page.getByLabel('Username').fill('jon');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL('/login?error=invalid_credentials&next=%2Fdashboard');
    await expect(loginError(page)).toHaveText('Wrong username or password.');
    await page.getByLabel('Username').fill(USERS.jon.username);
    await page.getByLabel('Password').fill(USERS.jon.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL('/dashboard');
  });

  test('an unsafe next lands on /dashboard', async ({ page }) => {
    await signIn(page, 'ada', `/login?next=${encodeURIComponent('//evil.example')}`);
    await expect(page).toHaveURL('/dashboard');
  });
});
