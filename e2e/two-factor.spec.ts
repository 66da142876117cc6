import type { BrowserContext, Page } from '@playwright/test';
import { createPasswordLinkIssuer } from '../lib/auth/password-links';
import { createArgon2Hasher } from '../lib/auth/passwords';
import { systemClock } from '../lib/edge/clock';
import { cryptoRandom, randomId } from '../lib/edge/random';
import { expectAccessible } from './support/a11y';
import { withStore } from './support/database';
import { LONG, LONG_URL } from './support/env';
import { expect, test } from './support/fixtures';
import { codeFor, stepAt } from './support/totp-codes';

/**
 * The authenticator-app second factor in a real browser, against the server with 15-minute
 * access tokens (LONG_URL): turned on from the account page (codes computed here from the key
 * the page shows, as a phone would), then sign-ins through the second step. Every test makes its
 * own user, so nothing another spec signs in as ever needs a code.
 */
interface Person {
  readonly username: string;
  readonly password: string;
  readonly id: string;
}

let serial = 0;
async function newPerson(admin = false): Promise<Person> {
  const person = {
    username: `totp${Date.now().toString(36)}${serial++}`,
    password: `pw-${randomId(cryptoRandom, 12)}`,
    id: randomId(cryptoRandom),
  };
  await withStore(LONG, async (store) => {
    await store.createUser({
      id: person.id,
      username: person.username,
      displayName: 'Tess Otp',
      passwordHash: await createArgon2Hasher().hash(person.password),
      admin,
      now: Date.now(),
    });
  });
  return person;
}

const url = (path: string) => `${LONG_URL}${path}`;
const MFA_COOKIE = '__Host-gatehouse-mfa';
const isDeviceCookie = (name: string) => name.startsWith('__Host-gatehouse-device-');

/** The password step, through the form: lands on the second step (or wherever it goes). */
async function password(page: Page, person: Person, next = '/account') {
  await page.goto(url(`/login?next=${encodeURIComponent(next)}`));
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function secondStep(page: Page, code: string) {
  await page.getByLabel(/^(Authentication code|Recovery code)$/).fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

/** A refused code: the answer is in (the error shown, and React has reset the form after its action). */
async function refused(page: Page) {
  await expect(page.getByLabel(/^(Authentication code|Recovery code)$/)).toHaveValue('');
  await expect(page.getByTestId('verify-error')).toBeVisible();
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(url('/'));
}

const cookieNames = async (context: BrowserContext) => (await context.cookies()).map((c) => c.name);

/** Turns the authenticator app on from the account page; the key and the recovery codes. */
async function enrol(page: Page): Promise<{ secret: string; step: number; codes: string[] }> {
  await page.goto(url('/account'));
  const card = page.locator('#two-factor');
  await card.getByRole('button', { name: 'Turn on the authenticator app' }).click();
  await expect(card.getByTestId('totp-qr').locator('svg')).toBeVisible();
  const secret = (await card.getByTestId('totp-secret').innerText()).replace(/\s/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const step = stepAt();
  await card.getByLabel('Enter the 6-digit code the app shows').fill(codeFor(secret, step));
  await card.getByRole('button', { name: 'Confirm the code' }).click();
  const list = card.getByTestId('recovery-codes').locator('li');
  await expect(list).toHaveCount(10);
  const codes = (await list.allInnerTexts()).map((c) => c.trim());
  for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
  await card.getByRole('link', { name: 'I have saved them' }).click();
  await expect(card.getByTestId('two-factor-status')).toContainText('On since');
  return { secret, step, codes };
}

test.describe('authenticator app (TOTP)', () => {
  test('enrol, sign out, sign in with password + code; wrong and reused codes refused; recovery codes once; turn off', async ({
    page,
    context,
  }) => {
    const tess = await newPerson();
    await password(page, tess);
    await page.waitForURL(url('/account'));
    await expectAccessible(page, '/account, authenticator app off');
    const { secret, step, codes } = await enrol(page);
    await expect(page.getByTestId('recovery-codes-left')).toHaveText('10 recovery codes left.');
    await expectAccessible(page, '/account, authenticator app on');
    await signOut(page);
    // A browser that has never signed in as Tess (no device cookie from the password-only days).
    await context.clearCookies();

    // The password alone: no session and no device cookie yet, only the step's cookie.
    await password(page, tess);
    await page.waitForURL(url('/login/verify?next=%2Faccount'));
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    const field = page.getByLabel('Authentication code');
    await expect(field).toHaveAttribute('autocomplete', 'one-time-code');
    await expect(field).toHaveAttribute('inputmode', 'numeric');
    expect(await cookieNames(context)).toContain(MFA_COOKIE);
    expect((await cookieNames(context)).some(isDeviceCookie)).toBe(false);
    await expectAccessible(page, '/login/verify');

    await secondStep(page, codeFor(secret, step + 5));
    await refused(page);
    await expect(page.getByTestId('verify-error')).toHaveText(
      'That code is not right, or it has been used already. Try the code your app shows now.',
    );
    // The code that turned the app on has been used: it cannot sign in.
    await secondStep(page, codeFor(secret, step));
    await refused(page);
    // One step ahead is within the drift a phone is allowed.
    const fresh = codeFor(secret, step + 1);
    await secondStep(page, fresh);
    await page.waitForURL(url('/account'));
    const names = await cookieNames(context);
    expect(names.some(isDeviceCookie)).toBe(true);
    expect(names).not.toContain(MFA_COOKIE);
    await signOut(page);

    // The same code a second time: refused.
    await password(page, tess);
    await page.waitForURL(/\/login\/verify/);
    await secondStep(page, fresh);
    await refused(page);
    // A recovery code instead, typed in capitals: it works once.
    await page.getByRole('link', { name: 'Lost your phone? Use a recovery code' }).click();
    await secondStep(page, codes[0]!.toUpperCase());
    await page.waitForURL(url('/account'));
    await signOut(page);
    await password(page, tess);
    await page.getByRole('link', { name: 'Lost your phone? Use a recovery code' }).click();
    await secondStep(page, codes[0]!);
    await refused(page);
    await secondStep(page, codes[1]!);
    await page.waitForURL(url('/account'));
    await expect(page.getByTestId('recovery-codes-left')).toHaveText('8 recovery codes left.');

    // Turning it off wants a code: the password is not one.
    const off = page.getByTestId('two-factor-disable');
    await off.getByLabel('Code from your app, or a recovery code').fill(tess.password);
    await off.getByRole('button', { name: 'Turn off' }).click();
    await expect(off.getByTestId('two-factor-error')).toContainText('That code is not right');
    await off.getByLabel('Code from your app, or a recovery code').fill(codes[2]!);
    await off.getByRole('button', { name: 'Turn off' }).click();
    await expect(page.getByTestId('two-factor-notice')).toContainText('turned off');
    await signOut(page);
    await password(page, tess);
    await page.waitForURL(url('/account'));
    // Signed in, the second step's page sends the visitor on, as /login does.
    await page.goto(url('/login/verify?next=%2Fdashboard'));
    await page.waitForURL(url('/dashboard'));
  });

  test('without JavaScript: turn it on from the account page and pass the second step', async ({
    browser,
  }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const tess = await newPerson();
    await password(page, tess, '/dashboard');
    await page.waitForURL(url('/dashboard'));
    const { secret, step } = await enrol(page);
    await context.clearCookies();

    await password(page, tess, '/dashboard');
    await page.waitForURL(url('/login/verify?next=%2Fdashboard'));
    await secondStep(page, '000000');
    await refused(page);
    await secondStep(page, codeFor(secret, step + 1));
    await page.waitForURL(url('/dashboard'));
    await context.close();
  });

  test('the second step without a step in progress says to sign in again', async ({ page }) => {
    await page.goto(url('/login/verify?next=%2Faccount'));
    await expect(page.getByTestId('step-over')).toContainText('This sign-in step has expired or is over');
    await page.getByRole('link', { name: 'Sign in again' }).click();
    await page.waitForURL(url('/login?next=%2Faccount'));
  });

  test('a reset link sets the password, then asks for the code before any session exists', async ({
    page,
  }) => {
    const tess = await newPerson();
    await password(page, tess);
    await page.waitForURL(url('/account'));
    const { secret, step } = await enrol(page);
    await signOut(page);
    const link = await withStore(LONG, async (store) => {
      const issuer = createPasswordLinkIssuer({
        store,
        clock: systemClock,
        random: cryptoRandom,
        publicUrl: LONG_URL,
        ttl: 1800,
      });
      return (await issuer.create(tess.id, { purpose: 'reset', createdBy: null })).url;
    });
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('a brand new e2e passphrase');
    await page.getByLabel('New password again').fill('a brand new e2e passphrase');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(url('/login/verify'));
    expect(await withStore(LONG, async (store) => (await store.listSessions(tess.id)).length)).toBe(0);
    await secondStep(page, codeFor(secret, step + 1));
    await page.waitForURL(url('/dashboard'));
  });

  test('step-up: an admin who turned the app on after a password sign-in is asked for a code before the console', async ({
    page,
  }) => {
    const admin = await newPerson(true);
    await password(page, admin);
    await page.waitForURL(url('/account'));
    const { secret, step } = await enrol(page);
    // This session was signed in with the password alone: the console wants the second factor.
    await page.goto(url('/admin'));
    await page.waitForURL(/\/login\?.*step_up=mfa/);
    await expect(page.getByTestId('step-up')).toBeVisible();
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Still signed in (password only) while the step is in progress: the code is asked for.
    await page.waitForURL(url('/login/verify?next=%2Fadmin'));
    await secondStep(page, codeFor(secret, step + 1));
    await page.waitForURL(url('/admin'));
  });

  test('an admin clears a lost authenticator app from the console: the password alone signs in again', async ({
    page,
    browser,
  }) => {
    const tess = await newPerson();
    await password(page, tess);
    await page.waitForURL(url('/account'));
    await enrol(page);
    await signOut(page);

    const admin = await newPerson(true);
    const context = await browser.newContext();
    const console_ = await context.newPage();
    await password(console_, admin, `/admin/users/${tess.id}`);
    await console_.waitForURL(url(`/admin/users/${tess.id}`));
    await expect(console_.getByTestId('user-second-factors')).toHaveText('authenticator app, 0 passkeys');
    const clear = console_.getByTestId('clear-second-factor');
    await clear.getByRole('button', { name: `Clear second factor of ${tess.username}` }).click();
    await expect(clear.getByRole('alert')).toHaveText('Tick the box to confirm.');
    await clear.getByLabel(`Yes, clear the authenticator app of ${tess.username}`).check();
    await clear.getByRole('button', { name: `Clear second factor of ${tess.username}` }).click();
    await expect(clear.getByRole('status')).toContainText(
      `Cleared the authenticator app of ${tess.username}`,
    );
    await expect(console_.getByTestId('user-second-factors')).toHaveText('no authenticator app, 0 passkeys');
    await context.close();

    await password(page, tess);
    await page.waitForURL(url('/account'));
  });
});
