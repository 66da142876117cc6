import { request as httpRequest } from 'node:http';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from './support/fixtures';
import { APP_PORT, BASE_URL, INSTANCES, REQUEST_BURST, ROOT, USERS } from './support/env';
import { expectAccessible } from './support/a11y';
import { loginError, signIn } from './support/helpers';

/**
 * Sign-in throttling as people and attackers meet it, through server.ts: the form's message
 * with and without JavaScript, and the device cookie that keeps a real user in while someone
 * else hammers the account from other addresses (127.0.0.x sources are separate clients).
 */
const TOO_MANY = 'Too many sign-in attempts. Please wait 1 minute before trying again.';

/**
 * server.ts sheds a flood with a bucket per process (REQUEST_BURST at once, REQUEST_RATE more a
 * second: e2e/support/env.ts), by design: on a cluster the balancer deals one address's requests
 * out round-robin, and each instance lets its own burst through. A flood 20 past the burst per
 * instance has 20 × INSTANCES shed, less what the buckets earn back while it is in flight.
 */
const FLOOD_PER_INSTANCE = REQUEST_BURST + 20;
const FLOOD = FLOOD_PER_INSTANCE * INSTANCES;
const SHED_AT_MOST = 20 * INSTANCES;
const SHED_AT_LEAST = 10 * INSTANCES;

/** A JSON sign-in from another loopback address, as a different client on the internet would. */
function loginFrom(address: string, username: string, password: string): Promise<number> {
  return loginReply(address, username, password).then((r) => r.status);
}

function loginReply(
  address: string,
  username: string,
  password: string,
  path = '/api/auth/login',
): Promise<Reply> {
  return postReply(
    address,
    path,
    { 'content-type': 'application/json' },
    JSON.stringify({ username, password }),
  );
}

interface Reply {
  status: number;
  body: string;
  retryAfter: string | undefined;
  location: string | undefined;
}

/** A POST from a given loopback address, answered without following redirects. */
function postReply(
  address: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: APP_PORT, path, method: 'POST', localAddress: address, headers },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            retryAfter: res.headers['retry-after'] as string | undefined,
            location: res.headers.location,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test.describe('sign-in throttling', () => {
  test('with JavaScript: after five wrong passwords the form says how long to wait, announced', async ({
    page,
  }) => {
    await page.goto('/login');
    for (let i = 0; i < 5; i++) {
      await page.getByLabel('Username').fill('nobody-js');
      await page.getByLabel('Password').fill(`wrong password ${i}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(loginError(page)).toHaveText('Wrong username or password.');
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
    }
    await page.getByLabel('Password').fill('wrong password 5');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(loginError(page)).toHaveText(TOO_MANY);
    await expect(loginError(page)).toHaveAttribute('role', 'alert');
    await expect(page.getByText('Your account may have been disabled')).toHaveCount(0);
    await expectAccessible(page, '/login, too many attempts');
  });

  test('without JavaScript: the Server Action re-renders /login with the same message, next kept', async ({
    browser,
  }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/login?next=%2Fadmin');
    for (let i = 0; i < 5; i++) {
      await page.getByLabel('Username').fill('nobody-nojs');
      await page.getByLabel('Password').fill(`wrong password ${i}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(loginError(page)).toHaveText('Wrong username or password.');
    }
    await page.getByLabel('Password').fill('wrong password 5');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(loginError(page)).toHaveText(TOO_MANY);
    await expect(loginError(page)).toHaveAttribute('role', 'alert');
    await expect(page).toHaveURL('/login?next=%2Fadmin');
    await expect(page.locator('input[name="next"]')).toHaveValue('/admin');
    await context.close();
  });

  test('an attacker hammering zed from elsewhere cannot keep zed out of the browser he signed in with', async ({
    page,
    context,
    browser,
  }) => {
    await signIn(page, 'zed');
    await expect(page).toHaveURL('/dashboard');
    const device = (await context.cookies()).find((c) => c.name.startsWith('__Host-gatehouse-device-'));
    expect(device).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();

    // Twelve guesses from twelve addresses: the per-account limit (10) trips.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await loginFrom(`127.0.0.${20 + i}`, 'zed', `guess ${i}`));
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);

    // A browser without the device cookie, with the right password, is refused…
    const stranger = await browser.newContext();
    const strangerPage = await stranger.newPage();
    await strangerPage.goto('/login');
    await strangerPage.getByLabel('Username').fill('zed');
    await strangerPage.getByLabel('Password').fill(USERS.zed.password);
    await strangerPage.getByRole('button', { name: 'Sign in' }).click();
    // The account's block has run a few seconds by now: "59 seconds" is as right as "1 minute".
    await expect(loginError(strangerPage)).toHaveText(
      /^Too many sign-in attempts\. Please wait (1 minute|5\d seconds) before trying again\.$/,
    );
    await stranger.close();

    // …and zed's own browser gets straight in.
    await signIn(page, 'zed');
    await expect(page).toHaveURL('/dashboard');
    await expect(page.getByTestId('welcome')).toHaveText('Welcome, Zed Target');
  });

  test('a client flooding sign-in is answered by server.ts before Next.js: 429 past its burst, whatever the spelling', async () => {
    // Every spelling Next.js might route to the handler counts against one bucket: with only
    // the canonical path counted, the flood would hold a quarter as many, well inside the burst.
    const spellings = [
      '/api/auth/login',
      '/api/auth/%6cogin',
      '/api/auth/login/',
      `http://127.0.0.1:${APP_PORT}/api/auth/login`,
    ];
    const replies = await Promise.all(
      Array.from({ length: FLOOD }, (_, i) => loginReply('127.0.0.60', `flood${i}`, 'x', spellings[i % 4])),
    );
    const shed = replies.filter((r) => r.body.includes('too many sign-in requests from this address'));
    // The burst passes (a few more may earn their token back while the flood is in flight).
    expect(shed.length).toBeGreaterThanOrEqual(SHED_AT_LEAST);
    expect(shed.length).toBeLessThanOrEqual(SHED_AT_MOST);
    expect(shed.every((r) => r.status === 429 && Number(r.retryAfter) >= 1)).toBe(true);
    expect(JSON.parse(shed[0]!.body)).toMatchObject({ error: 'too_many_attempts' });
    // Another address is not slowed by it.
    expect(await loginFrom('127.0.0.61', 'flood-other', 'x')).toBe(401);
  });

  test('server actions count too: posts to any page past the burst are shed, 429 for the action fetch, 303 back to sign-in without JavaScript', async () => {
    // The sign-in action can be invoked at any page's path, so every page POST shares the bucket.
    // Half the flood is the action's own fetch (Next-Action), half what a browser without
    // JavaScript posts (the form itself, no Next-Action), four of each in turn, so every page
    // and every instance gets both: whichever arrive past the burst are shed, each in its own
    // way. (In one flood, not after it: the bucket earns a request back every 200 ms.)
    const pages = ['/login', '/', '/dashboard', '/login/'];
    const action = { 'next-action': '0'.repeat(40), 'content-type': 'text/plain;charset=UTF-8' };
    const form = { 'content-type': 'multipart/form-data; boundary=x', origin: BASE_URL };
    const sent = Array.from({ length: FLOOD }, (_, i) => ({
      noScript: Math.floor(i / 4) % 2 === 1,
      page: pages[i % 4]!,
    }));
    const replies = await Promise.all(
      sent.map(({ noScript, page }) =>
        noScript
          ? postReply('127.0.0.62', page, form, '--x--\r\n')
          : postReply('127.0.0.62', page, action, '[]'),
      ),
    );
    // Only a shed request is answered with Retry-After here (none of them reaches the sign-in).
    const shed = replies.flatMap((r, i) => (r.retryAfter === undefined ? [] : [{ ...r, ...sent[i]! }]));
    expect(shed.length).toBeGreaterThanOrEqual(SHED_AT_LEAST);
    const shedAction = shed.filter((r) => !r.noScript);
    const shedNoScript = shed.filter((r) => r.noScript);
    expect(shedAction.length).toBeGreaterThanOrEqual(1);
    for (const r of shedAction) {
      expect(r.status).toBe(429);
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(r.body)).toMatchObject({
        error: 'too_many_attempts',
        error_description: 'too many sign-in requests from this address',
      });
    }
    // A browser without JavaScript is sent back to the sign-in page, which says how long to wait.
    expect(shedNoScript.length).toBeGreaterThanOrEqual(1);
    for (const r of shedNoScript) {
      expect(r.status).toBe(303);
      expect(r.location).toMatch(/^\/login\?error=too_many_attempts&retry_after=\d+$/);
    }
  });

  test('a server-action call aimed at an API route or a static file is refused: Next would forward it over loopback, past the counters', async () => {
    const action = { 'next-action': '0'.repeat(42), 'content-type': 'text/plain;charset=UTF-8' };
    for (const path of ['/api/private', '/api/auth/login', '/api/auth/%6cogin', '/_next/static/x.js']) {
      const reply = await postReply('127.0.0.63', path, action, '[]');
      expect(reply.status, path).toBe(404);
      expect(JSON.parse(reply.body), path).toMatchObject({ error: 'not_found' });
    }
  });

  test('a bare `next start` in production, even with AUTH_SECRET, exits non-zero: it would believe any X-Forwarded-For', async () => {
    const { code, output } = await bareNextStart(APP_PORT + 8, {
      AUTH_SECRET: 'Qm7vX2pL9kR4tZ8wN3cY6hB1dF5gJ0sA',
      DATABASE_URL: `file:${join(ROOT, '.tmp', 'e2e', 'bare-start-2.db')}`,
    });
    expect(output).toContain('serve Gatehouse with `npm start` (server.ts), not a bare `next start`');
    expect(code).toBe(1);
  });

  test('a bare `next start` without AUTH_SECRET exits non-zero before serving, naming AUTH_SECRET', async () => {
    const { code, output } = await bareNextStart(APP_PORT + 7, {
      DATABASE_URL: `file:${join(ROOT, '.tmp', 'e2e', 'bare-start.db')}`,
    });
    expect(output).toContain('AUTH_SECRET is not set');
    expect(code).toBe(1);
  });
});

/** `next start` run directly, as a hurried deployment would: its exit code (null: still up after 25 s). */
async function bareNextStart(port: number, extra: Record<string, string>) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AUTH_|DATABASE_URL|GATEHOUSE_)/.test(k)),
  );
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(port)],
    { cwd: ROOT, env: { ...env, NODE_ENV: 'production', ...extra } as NodeJS.ProcessEnv },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 25_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, output };
}
