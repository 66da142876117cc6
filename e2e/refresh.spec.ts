import { expect, test } from './support/fixtures';
import { BASE_URL, COOKIE, INSTANCES, REFRESH_GRACE } from './support/env';
import {
  authCookies,
  jtiOf,
  plantCookie,
  refreshesPerInstance,
  sessionRow,
  sidOf,
  signIn,
  sleep,
  waitForAccessExpiry,
} from './support/helpers';

test.describe('transparent refresh', () => {
  test('after the access token expires, a reload stays on /dashboard and renders the new token in that same request', async ({ page, context }) => {
    await signIn(page, 'jon');
    await expect(page).toHaveURL('/dashboard');
    const before = (await authCookies(context)).access!.value;
    await expect(page.getByTestId('access-jti')).toHaveText(jtiOf(before));
    await expect(page.getByTestId('generation')).toHaveText('0');

    await waitForAccessExpiry(context);
    const response = await page.reload();
    expect(response!.status()).toBe(200);
    await expect(page).toHaveURL('/dashboard');
    const after = (await authCookies(context)).access!.value;
    expect(after).not.toBe(before);
    // The page that this very request rendered already used the new token.
    await expect(page.getByTestId('access-jti')).toHaveText(jtiOf(after));
    await expect(page.getByTestId('generation')).toHaveText('1');
    expect(response!.headers()['cache-control']).toBe('private, no-store');
  });

  test('10 parallel requests with the same expired access token all succeed and the session survives', async ({ page, context }) => {
    await signIn(page, 'ada');
    await expect(page).toHaveURL('/dashboard');
    const { access } = await authCookies(context);
    const sid = sidOf(access!.value);
    await waitForAccessExpiry(context);
    // Put the expired token back in the jar, as a browser with a slow clock would send it.
    await plantCookie(context, COOKIE.access, access!.value);

    const refreshesBefore = await refreshesPerInstance();
    const results = await page.evaluate(async () => {
      const paths = ['/dashboard', '/dashboard', '/', '/dashboard', '/api/private', '/dashboard', '/', '/dashboard', '/api/private', '/dashboard'];
      return Promise.all(
        paths.map(async (path) => {
          const res = await fetch(path, { credentials: 'same-origin', redirect: 'manual' });
          const text = await res.text();
          return { path, status: res.status, ok: text.includes('Ada Lovelace') };
        }),
      );
    });
    for (const r of results) expect(r, JSON.stringify(r)).toMatchObject({ status: 200, ok: true });
    // On a cluster the burst is spread over every instance, and each one's middleware refreshed:
    // single flight is per process, so the rotations raced across instances — one won, the
    // others were answered from the grace window.
    const refreshesAfter = await refreshesPerInstance();
    expect(refreshesAfter).toHaveLength(INSTANCES);
    refreshesAfter.forEach((n, i) => expect(n, `instance ${i + 1} refreshed`).toBeGreaterThan(refreshesBefore[i]!));

    expect(await sessionRow(sid)).toMatchObject({ revokedAt: null });
    expect((await sessionRow(sid))!.gen).toBeGreaterThanOrEqual(1);
    // Prefetching links and navigating afterwards: still signed in, still the same session.
    await page.goto('/');
    await page.getByRole('link', { name: 'Dashboard' }).first().click();
    await expect(page.getByTestId('welcome')).toHaveText('Welcome, Ada Lovelace');
    expect(sidOf((await authCookies(context)).access!.value)).toBe(sid);
    expect(await sessionRow(sid)).toMatchObject({ revokedAt: null });
  });

  test('a refresh token replayed after the grace window revokes the session; the next navigation lands on /login', async ({ page, context, playwright }) => {
    await signIn(page, 'jon');
    await expect(page).toHaveURL('/dashboard');
    const stolen = (await authCookies(context)).refresh!.value;
    const sid = sidOf((await authCookies(context)).access!.value);

    await waitForAccessExpiry(context);
    await page.reload(); // the browser rotates: it now holds the next refresh token
    await expect(page.getByTestId('generation')).toHaveText('1');
    await sleep(REFRESH_GRACE * 1000 + 500);

    // The thief replays the old one.
    const thief = await playwright.request.newContext({ baseURL: BASE_URL });
    const res = await thief.post('/api/auth/token', { form: { refresh_token: stolen } });
    expect(res.status()).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    await thief.dispose();
    expect(await sessionRow(sid)).toMatchObject({ revokedReason: 'reuse_detected' });

    await waitForAccessExpiry(context);
    await page.goto('/dashboard');
    await expect(page).toHaveURL('/login?next=%2Fdashboard');
    expect(await authCookies(context)).toEqual({ access: undefined, refresh: undefined });
  });
});
