import type { CDPSession, Page } from '@playwright/test';
import { decodeJwt } from 'jose';
import { createArgon2Hasher } from '../lib/auth/passwords';
import { cryptoRandom, randomId } from '../lib/edge/random';
import { expectAccessible } from './support/a11y';
import { withStore } from './support/database';
import { CLUSTER, MAIN } from './support/env';
import { expect, test } from './support/fixtures';
import { authCookies } from './support/helpers';

/**
 * Passkeys in a real Chromium, with the DevTools protocol's virtual authenticator standing in
 * for a platform authenticator (ctap2, internal, resident keys, user verification). Every test
 * makes its own user in the main server's database, so nothing here touches what the other
 * specs sign in as.
 */
interface Person {
  readonly username: string;
  readonly password: string;
}

let serial = 0;
async function newPerson(): Promise<Person> {
  const person = {
    username: `pk${Date.now().toString(36)}${serial++}`,
    password: `pw-${randomId(cryptoRandom, 12)}`,
  };
  await withStore(MAIN, async (store) => {
    await store.createUser({
      id: randomId(cryptoRandom),
      username: person.username,
      displayName: 'Passkey Person',
      passwordHash: await createArgon2Hasher().hash(person.password),
      admin: false,
      now: Date.now(),
    });
  });
  return person;
}

/** A platform authenticator for this page: it verifies the user and keeps discoverable credentials. */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

async function signInWithPassword(page: Page, person: Person, next = '/account') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => u.pathname === next);
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/');
}

/**
 * On a cluster, sends the ceremony's two requests to different instances, so the challenge one
 * instance stored is taken by the other: the options from the first, the answer to the second.
 * (HAProxy's round robin would do it most of the time; this makes it every time, and shows it.)
 */
async function splitCeremonyAcrossInstances(page: Page): Promise<string[]> {
  const answeredBy: string[] = [];
  const [first, second] = MAIN.instancePorts;
  const via = (port: number | undefined, path: string) =>
    page.route(`**${path}`, async (route) => {
      const url = new URL(route.request().url());
      const response = await route.fetch({ url: `http://127.0.0.1:${port}${url.pathname}` });
      answeredBy.push(`${path} ← ${port}`);
      await route.fulfill({ response });
    });
  await via(first, '/api/auth/passkeys/login/options');
  await via(second, '/api/auth/passkeys/login');
  return answeredBy;
}

const row = (page: Page, name: string) => page.getByTestId('passkey-row').filter({ hasText: name });

test.describe('passkeys', () => {
  test.use({
    // The last step signs in with a passkey removed from the account, on purpose.
    expectedConsoleErrors: [/status of 401 .*\/api\/auth\/passkeys\/login$/],
  });

  test('add one on the account page, sign in with it without a username, rename it, remove it', async ({
    page,
  }) => {
    const person = await newPerson();
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    await signInWithPassword(page, person);

    const card = page.getByTestId('passkeys-card');
    await expect(card.getByTestId('no-passkeys')).toBeVisible();
    await card.getByLabel('Name (optional)').fill('Test laptop');
    await card.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(card.getByTestId('add-passkey-notice')).toHaveText(
      'Passkey “Test laptop” added. You can sign in with it from now on.',
    );
    await expect(row(page, 'Test laptop')).toContainText('this device only');
    await expect(row(page, 'Test laptop')).toContainText('never');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    await expectAccessible(page, 'account page with a passkey');

    // Signed out, then back in with the passkey alone: no username typed.
    await signOut(page);
    await page.goto('/login?next=/account');
    await expect(page.getByLabel('Username')).toHaveAttribute('autocomplete', 'username webauthn');
    const answeredBy = CLUSTER ? await splitCeremonyAcrossInstances(page) : [];
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL((u) => u.pathname === '/account');
    if (CLUSTER) {
      const [first, second] = MAIN.instancePorts;
      expect(answeredBy).toEqual([
        `/api/auth/passkeys/login/options ← ${first}`,
        `/api/auth/passkeys/login ← ${second}`,
      ]);
      await page.unrouteAll();
    }
    const { access } = await authCookies(page.context());
    expect(decodeJwt(access!.value)).toMatchObject({ amr: ['hwk', 'user', 'mfa'] });
    await expect(page.getByTestId('account-username')).toHaveText(person.username);
    await expect(row(page, 'Test laptop')).not.toContainText('never');

    // Renamed, with the forms the page also serves without JavaScript.
    await page.getByRole('button', { name: 'Rename Test laptop' }).click();
    await page.getByLabel('New name for “Test laptop”').fill('Work laptop');
    await page.getByRole('button', { name: 'Save name' }).click();
    await expect(page.getByTestId('passkeys-notice')).toHaveText('The passkey is now called “Work laptop”.');
    await expect(row(page, 'Work laptop')).toBeVisible();

    // Removed (confirmed first): the authenticator still offers it, the server no longer takes it.
    await page.getByRole('button', { name: 'Remove Work laptop' }).click();
    await page.getByRole('button', { name: 'Remove passkey' }).click();
    await expect(page.getByTestId('passkeys-notice')).toHaveText(
      '“Work laptop” was removed. It no longer signs you in.',
    );
    await expect(page.getByTestId('no-passkeys')).toBeVisible();
    await signOut(page);
    await page.goto('/login');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(page.getByTestId('passkey-error')).toContainText(
      'This passkey is not registered (any more)',
    );
    expect(new URL(page.url()).pathname).toBe('/login');
    expect((await authCookies(page.context())).access).toBeUndefined();
  });
});

test.describe('passkeys without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the sign-in page is the password form alone, and it still signs in', async ({ page }) => {
    const person = await newPerson();
    await page.goto('/login');
    await expect(page.getByRole('button', { name: 'Use a passkey' })).toHaveCount(0);
    await signInWithPassword(page, person, '/account');
    // The card lists passkeys and says that adding one needs script.
    await expect(page.getByTestId('passkeys-card')).toContainText('Adding a passkey needs JavaScript.');
  });
});
