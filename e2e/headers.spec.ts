import type { APIRequestContext, APIResponse, Response } from '@playwright/test';
import { BASE_URL, COOKIE, USERS } from './support/env';
import { expect, test } from './support/fixtures';

/**
 * Response headers as a browser gets them from `next start`: the per-request
 * Content-Security-Policy from the middleware, the fixed headers from next.config.js, and the
 * middleware's refusal to let a client choose who is signed in or what the page is told.
 */
const FIXED = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
} as const;

function expectFixedHeaders(response: Response | APIResponse, what: string) {
  const headers = response.headers();
  for (const [name, value] of Object.entries(FIXED)) expect(headers[name], `${name} on ${what}`).toBe(value);
  for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb']) {
    expect(headers['permissions-policy'], `permissions-policy on ${what}`).toContain(`${feature}=()`);
  }
}

/** The response's script nonce, after checking the policy around it. */
function policyNonce(response: Response | APIResponse): string {
  const policy = response.headers()['content-security-policy'] ?? '';
  const directives = policy.split(';').map((d) => d.trim());
  const scriptSrc = directives.find((d) => d.startsWith('script-src ')) ?? '';
  expect(scriptSrc).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/]{22}==' 'strict-dynamic'$/);
  for (const d of [
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ]) {
    expect(directives).toContain(d);
  }
  return /'nonce-([^']+)'/.exec(scriptSrc)![1]!;
}

function expectEveryScriptCarries(html: string, nonce: string) {
  const tags = html.match(/<script\b[^>]*>/g) ?? [];
  expect(tags.length).toBeGreaterThan(0);
  for (const tag of tags) expect(tag).toContain(` nonce="${nonce}"`);
}

test.describe('security headers', () => {
  test("a page's policy has a fresh nonce, every script carries it, and Next.js runs under it", async ({
    page,
  }) => {
    const first = await page.goto('/login');
    const nonce = policyNonce(first!);
    expectEveryScriptCarries(await first!.text(), nonce);
    // The client bootstrap ran (it defines window.next): the policy lets our own scripts through.
    await page.waitForFunction(() => 'next' in window);
    expectFixedHeaders(first!, 'a page');

    const second = await page.reload();
    expect(policyNonce(second!)).not.toBe(nonce);
  });

  test('Permissions-Policy names only features Chromium knows, and turns each of them off', async ({
    page,
  }) => {
    const response = await page.goto('/');
    const header = response!.headers()['permissions-policy'] ?? '';
    const features = header.split(',').map((f) => f.trim().replace(/=\(\)$/, ''));
    expect(features.length).toBeGreaterThanOrEqual(5);
    const verdicts = await page.evaluate((names) => {
      // Chromium-only API: the features it understands, and whether this document may use one.
      const policy = (
        document as unknown as { featurePolicy: { features(): string[]; allowsFeature(f: string): boolean } }
      ).featurePolicy;
      return names.map((name) => ({
        name,
        known: policy.features().includes(name),
        allowed: policy.allowsFeature(name),
      }));
    }, features);
    for (const verdict of verdicts) {
      expect(verdict).toEqual({ name: verdict.name, known: true, allowed: false });
    }
  });

  test('injected markup cannot run script or load from elsewhere, and the suite notices', async ({
    page,
    browserProblems,
  }) => {
    await page.goto('/');
    await page.evaluate(() => {
      document.body.insertAdjacentHTML(
        'beforeend',
        '<img src="data:," onerror="window.__injected = 1"><img src="https://example.invalid/t.png">',
      );
    });
    // Taken from the suite's record, or the fixture would fail this test for them.
    const reported: string[] = [];
    const blocked = () => (reported.push(...browserProblems.take()), reported.join('\n'));
    await expect.poll(blocked).toContain('script-src-attr blocked');
    await expect.poll(blocked).toContain('img-src blocked https://example.invalid/t.png');
    expect(await page.evaluate(() => (window as { __injected?: number }).__injected)).toBeUndefined();
  });

  test('the fixed headers are on API answers, middleware redirects and static files', async ({ page }) => {
    const html = await (await page.goto('/login'))!.text();

    const api = await page.request.get('/api/private');
    expect(api.status()).toBe(401);
    expectFixedHeaders(api, 'an API answer');

    const redirect = await page.request.get('/dashboard', { maxRedirects: 0 });
    expect(redirect.status()).toBe(307);
    expectFixedHeaders(redirect, 'a middleware redirect');
    policyNonce(redirect);

    const asset = /src="(\/_next\/static\/[^"]+\.js)"/.exec(html)![1]!;
    const script = await page.request.get(asset);
    expect(script.status()).toBe(200);
    expectFixedHeaders(script, 'a static file');
  });

  test.describe(() => {
    // Chromium logs a document's 404 as a console error.
    test.use({ expectedConsoleErrors: [/status of 404 .*\/no-such-page$/] });

    test('a 404 page has the fixed headers and a nonce its scripts carry', async ({ page }) => {
      const response = await page.goto('/no-such-page');
      expect(response!.status()).toBe(404);
      expectFixedHeaders(response!, 'a 404');
      expectEveryScriptCarries(await response!.text(), policyNonce(response!));
      await page.waitForFunction(() => 'next' in window);
    });
  });
});

test.describe('what a client cannot choose', () => {
  /** An access token for `user`, signed in as an API client would. */
  async function accessToken(request: APIRequestContext, user: 'jon' | 'ada') {
    const res = await request.post('/api/auth/login', {
      form: { username: USERS[user].username, password: USERS[user].password },
      headers: { accept: 'application/json' },
    });
    expect(res.status()).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  test("an access cookie sent twice — Jon's and Ada's — is nobody, on pages and API alike", async ({
    playwright,
  }) => {
    // Two clients: one signing in over the other's cookies would end that session (sign-in
    // replaces the session a browser had), and the revocation set would refuse its token.
    const signIn = async (user: 'jon' | 'ada') => {
      const login = await playwright.request.newContext({ baseURL: BASE_URL });
      const token = await accessToken(login, user);
      await login.dispose();
      return token;
    };
    const jon = await signIn('jon');
    const ada = await signIn('ada');
    // A fresh client with no cookie jar of its own: the Cookie header below is all it sends.
    const client = await playwright.request.newContext({ baseURL: BASE_URL });
    const as = (cookie: string) => ({ headers: { cookie }, maxRedirects: 0 });

    // Each token alone is good, so what follows is down to the duplicate and nothing else.
    expect(await (await client.get('/', as(`${COOKIE.access}=${jon}`))).text()).toContain('Jon Doe');
    expect((await client.get('/api/private', as(`${COOKIE.access}=${ada}`))).status()).toBe(200);

    for (const cookie of [
      `${COOKIE.access}=${jon}; ${COOKIE.access}=${ada}`,
      `${COOKIE.access}=${ada}; ${COOKIE.access}=${jon}`,
    ]) {
      const home = await (await client.get('/', as(cookie))).text();
      expect(home).toContain('You are not signed in');
      expect(home).not.toContain('Jon Doe');
      expect(home).not.toContain('Ada Lovelace');
      expect((await client.get('/api/private', as(cookie))).status()).toBe(401);
      const dashboard = await client.get('/dashboard', as(cookie));
      expect(dashboard.status()).toBe(307);
      expect(dashboard.headers().location).toBe('/login?next=%2Fdashboard');
    }
    await client.dispose();
  });

  // /no-such-page.png is outside the middleware's matcher: only the page's own check stands there.
  for (const path of ['/', '/no-such-page', '/no-such-page.png']) {
    test(`x-gatehouse-auth: unavailable from a client changes nothing on ${path}`, async ({ page }) => {
      const plain = await page.request.get(path);
      const forged = await page.request.get(path, { headers: { 'x-gatehouse-auth': 'unavailable' } });
      expect(forged.status()).toBe(plain.status());
      const text = await forged.text();
      expect(text).not.toContain('Session check unavailable');
      expect(text).not.toContain('couldn’t confirm your session');
      expect(text).toContain('Sign in');
    });
  }
});
