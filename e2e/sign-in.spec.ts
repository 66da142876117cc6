import { request as httpRequest } from 'node:http';
import { expect, test } from './support/fixtures';
import { expectAccessible } from './support/a11y';
import { APP_PORT, COOKIE, USERS } from './support/env';
import { authCookies, loginError, plantCookie, signIn, sleep } from './support/helpers';

test.describe('sign-in', () => {
  test('through the Server Action with JavaScript, no page load; the cookies are httpOnly, Secure, SameSite=Lax, __Host-', async ({
    page,
    context,
  }) => {
    await page.goto('/login');
    const posts: { url: string; action: boolean }[] = [];
    const documents: string[] = [];
    page.on('request', (r) => {
      // The page's passkey autofill asks for its options in the background: not this sign-in.
      if (r.method() === 'POST' && !r.url().endsWith('/api/auth/passkeys/login/options'))
        posts.push({ url: new URL(r.url()).pathname, action: 'next-action' in r.headers() });
      if (r.resourceType() === 'document') documents.push(r.url());
    });
    await page.getByLabel('Username').fill(USERS.jon.username);
    await page.getByLabel('Password').fill(USERS.jon.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL('/dashboard');
    await expect(page.getByTestId('welcome')).toHaveText('Welcome, Jon Doe');
    // The header re-rendered with the new session (useSession() in app/components/site-header.tsx).
    await expect(page.getByTestId('nav-user')).toHaveText('Jon Doe');
    // One Server Action post to the page itself, not the JSON route, and no document load.
    expect(posts).toEqual([{ url: '/login', action: true }]);
    expect(documents).toEqual([]);

    const { access, refresh } = await authCookies(context);
    for (const cookie of [access, refresh]) {
      expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    }
    // Script on the page cannot see either token.
    expect(await page.evaluate(() => document.cookie)).not.toContain('gatehouse');
  });

  test('the button says "Signing in…" and is disabled while the action runs', async ({ page }) => {
    await page.goto('/login');
    // Hold the action's post for a moment, as a slow network would.
    await page.route('**/login*', async (route) => {
      if (route.request().method() === 'POST') await sleep(1_000);
      await route.continue();
    });
    await page.getByLabel('Username').fill(USERS.ada.username);
    await page.getByLabel('Password').fill(USERS.ada.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const pending = page.getByRole('button', { name: 'Signing in…' });
    await expect(pending).toBeVisible();
    await expect(pending).toBeDisabled();
    await expectAccessible(page, '/login while signing in');
    await expect(page).toHaveURL('/dashboard');
  });

  test('a wrong password shows an announced inline error, keeps the username and focuses the password field', async ({
    page,
  }) => {
    await page.goto('/login');
    await page.getByLabel('Username').fill('jon');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(loginError(page)).toHaveText('Wrong username or password.');
    await expect(loginError(page)).toHaveAttribute('role', 'alert');
    await expect(page.getByText('Your account may have been disabled')).toBeVisible();
    await expect(page.getByLabel('Password')).toBeFocused();
    await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Username')).toHaveValue('jon');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
    await expect(page).toHaveURL('/login');
    await expectAccessible(page, '/login after a wrong password');
    // An unknown user gets exactly the same answer.
    await page.getByLabel('Username').fill('nobody');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByLabel('Username')).toHaveValue('nobody');
    await expect(loginError(page)).toHaveText('Wrong username or password.');
  });

  test('a protected page without a session redirects to /login?next=… and returns there after sign-in', async ({
    page,
  }) => {
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

  test('an error named in the query (server.ts sheds a flood there) is shown, announced', async ({
    page,
  }) => {
    await page.goto('/login?error=too_many_attempts&retry_after=60&next=%2Fadmin');
    await expect(loginError(page)).toHaveText(
      'Too many sign-in attempts. Please wait 1 minute before trying again.',
    );
    await expect(loginError(page)).toHaveAttribute('role', 'alert');
    await expect(page.getByLabel('Password')).toBeFocused();
    // The form's own answer replaces it.
    await page.getByLabel('Username').fill(USERS.jon.username);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(loginError(page)).toHaveText('Wrong username or password.');
  });

  test('pages verify the token themselves: a forged access cookie is not trusted', async ({
    page,
    context,
  }) => {
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

  test('the form posts the Server Action and lands on next', async ({ page }) => {
    await signIn(page, 'jon', '/login?next=%2Fadmin');
    await expect(page).toHaveURL('/admin');
    await expect(page.getByTestId('admin-title')).toBeVisible();
    await expect(page.getByTestId('nav-user')).toHaveText('Jon Doe');
  });

  test('a wrong password re-renders /login with the error, the username and next kept', async ({ page }) => {
    await page.goto('/login?next=%2Fdashboard');
    await page.getByLabel('Username').fill('jon');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(loginError(page)).toHaveText('Wrong username or password.');
    await expect(page).toHaveURL('/login?next=%2Fdashboard');
    await expect(page.getByLabel('Username')).toHaveValue('jon');
    await expect(page.getByLabel('Password')).toHaveValue('');
    await page.getByLabel('Password').fill(USERS.jon.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL('/dashboard');
    await expect(page.getByTestId('welcome')).toHaveText('Welcome, Jon Doe');
  });

  test('an unsafe next lands on /dashboard', async ({ page }) => {
    await signIn(page, 'ada', `/login?next=${encodeURIComponent('//evil.example')}`);
    await expect(page).toHaveURL('/dashboard');
  });

  test('sign-out is a form too: it revokes, clears the cookies and lands on /', async ({ page, context }) => {
    await signIn(page, 'ada');
    await expect(page).toHaveURL('/dashboard');
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await expect(page).toHaveURL('/');
    await expect(page.getByTestId('home-status')).toContainText('You are not signed in');
    expect(await authCookies(context)).toEqual({ access: undefined, refresh: undefined });
    await page.goto('/dashboard');
    await expect(page).toHaveURL('/login?next=%2Fdashboard');
  });
});

test.describe('sign-in from other clients', () => {
  test('a Server Action posted from another origin is refused with 403 before it runs', async ({
    request,
  }) => {
    const res = await request.post('/login', {
      headers: { origin: 'https://evil.example', 'next-action': 'x' },
      multipart: { username: USERS.jon.username, password: USERS.jon.password },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'cross_origin_request' });
    expect(res.headers()['set-cookie']).toBeUndefined();
  });

  test("the tutorial's curl form post (no browser headers) gets the tokens as JSON", async () => {
    // What `curl -X POST …/api/auth/login -d username=jon -d password=…` sends, and nothing more.
    const reply = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: APP_PORT,
          path: '/api/auth/login',
          method: 'POST',
          headers: {
            host: `localhost:${APP_PORT}`,
            'user-agent': 'curl/8.5.0',
            accept: '*/*',
            'content-type': 'application/x-www-form-urlencoded',
          },
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
          );
        },
      );
      req.on('error', reject);
      req.end(new URLSearchParams({ username: USERS.jon.username, password: USERS.jon.password }).toString());
    });
    expect(reply.status).toBe(200);
    expect(reply.type).toContain('application/json');
    const tokens = JSON.parse(reply.body) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(tokens.access_token).toEqual(expect.stringMatching(/^eyJ/));
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });
});
