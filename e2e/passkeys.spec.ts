import type { CDPSession, Page, Route } from '@playwright/test';
import { decodeJwt } from 'jose';
import { createArgon2Hasher } from '../lib/auth/passwords';
import { cryptoRandom, randomId } from '../lib/edge/random';
import { expectAccessible } from './support/a11y';
import { withStore } from './support/database';
import { BASE_URL, CLUSTER, COOKIE, MAIN } from './support/env';
import { expect, test } from './support/fixtures';

/**
 * Passkeys in a real Chromium, with the DevTools protocol's virtual authenticator standing in
 * for a platform authenticator (ctap2, internal, resident keys, user verification). Every test
 * makes its own user in the main server's database, so nothing here touches what the other
 * specs sign in as.
 */
interface Person {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}

let serial = 0;
async function newPerson(admin = false): Promise<Person> {
  const person = {
    id: randomId(cryptoRandom),
    username: `pk${Date.now().toString(36)}${serial++}`,
    password: `pw-${randomId(cryptoRandom, 12)}`,
  };
  await withStore(MAIN, async (store) => {
    await store.createUser({
      id: person.id,
      username: person.username,
      displayName: 'Passkey Person',
      passwordHash: await createArgon2Hasher().hash(person.password),
      admin,
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
  await page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/');
}

/**
 * Makes the "Use a passkey" button's ceremony the one that runs on the sign-in page this test
 * opens next. A virtual authenticator answers the page's autofill request by itself, at once;
 * so that request's options (the page's first) are held until the page goes. On a cluster the
 * button's two requests also go to different instances, so the challenge one stored is taken
 * by the other (round robin would do it most of the time; this makes it every time, and shows
 * it). Resolves with which instance answered what, once the autofill request has been held.
 */
async function buttonCeremonyOnly(page: Page, goto: () => Promise<unknown>): Promise<string[]> {
  const answeredBy: string[] = [];
  const [first, second] = MAIN.instancePorts;
  const via = async (route: Route, port: number | undefined) => {
    const url = new URL(route.request().url());
    const response = await route.fetch({ url: `http://127.0.0.1:${port}${url.pathname}` });
    answeredBy.push(`${url.pathname} ← ${port}`);
    await route.fulfill({ response });
  };
  let autofill = true;
  await page.route('**/api/auth/passkeys/login/options', async (route) => {
    if (autofill) {
      autofill = false;
      return; // never answered: the browser drops it with the page
    }
    if (CLUSTER) await via(route, first);
    else await route.fallback();
  });
  if (CLUSTER) await page.route('**/api/auth/passkeys/login', (route) => via(route, second));
  const held = page.waitForRequest('**/api/auth/passkeys/login/options');
  await goto();
  await held;
  return answeredBy;
}

/** Adds a passkey named `name` on the account page (signed in, on /account). */
async function addPasskey(page: Page, name: string) {
  const card = page.getByTestId('passkeys-card');
  await card.getByLabel('Name (optional)').fill(name);
  await card.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(card.getByTestId('add-passkey-notice')).toHaveText(
    `Passkey “${name}” added. You can sign in with it from now on.`,
  );
}

/** This site's access cookie (on a cluster run the jar also holds the instances' own, from route.fetch). */
async function accessCookie(page: Page): Promise<string | undefined> {
  return (await page.context().cookies(BASE_URL)).find((c) => c.name === COOKIE.access)?.value;
}

const row = (page: Page, name: string) => page.getByTestId('passkey-row').filter({ hasText: name });

test.describe('passkeys', () => {
  test.describe('added, used, renamed and removed', () => {
    test.use({
      // The last steps sign in with a passkey removed from the account, on purpose.
      expectedConsoleErrors: [/status of 401 .*\/api\/auth\/passkeys\/login$/],
    });

    test('add one on the account page, sign in with it without a username, rename it, remove it', async ({
      page,
    }) => {
      const person = await newPerson();
      const { cdp, authenticatorId } = await virtualAuthenticator(page);
      await signInWithPassword(page, person);

      await expect(page.getByTestId('no-passkeys')).toBeVisible();
      await addPasskey(page, 'Test laptop');
      await expect(row(page, 'Test laptop')).toContainText('this device only');
      await expect(row(page, 'Test laptop')).toContainText('never');
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials).toHaveLength(1);
      expect(credentials[0]!.isResidentCredential).toBe(true);
      await expectAccessible(page, 'account page with a passkey');

      // Signed out, then back in with the button and the passkey alone: no username typed.
      await signOut(page);
      const answeredBy = await buttonCeremonyOnly(page, () => page.goto('/login?next=/account'));
      await expect(page.getByLabel('Username')).toHaveAttribute('autocomplete', 'username webauthn');
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      await page.waitForURL((u) => u.pathname === '/account');
      await page.unrouteAll({ behavior: 'ignoreErrors' });
      if (CLUSTER) {
        const [first, second] = MAIN.instancePorts;
        expect(answeredBy).toEqual([
          `/api/auth/passkeys/login/options ← ${first}`,
          `/api/auth/passkeys/login ← ${second}`,
        ]);
      }
      expect(decodeJwt((await accessCookie(page))!)).toMatchObject({ amr: ['hwk', 'user', 'mfa'] });
      await expect(page.getByTestId('account-username')).toHaveText(person.username);
      await expect(row(page, 'Test laptop')).not.toContainText('never');

      // Renamed, with the forms the page also serves without JavaScript.
      await page.getByRole('button', { name: 'Rename Test laptop' }).click();
      await page.getByLabel('New name for “Test laptop”').fill('Work laptop');
      await page.getByRole('button', { name: 'Save name' }).click();
      await expect(page.getByTestId('passkeys-notice')).toHaveText(
        'The passkey is now called “Work laptop”.',
      );
      await expect(row(page, 'Work laptop')).toBeVisible();

      // Removed (confirmed first): the authenticator still offers it, the server no longer takes it.
      await page.getByRole('button', { name: 'Remove Work laptop' }).click();
      await page.getByRole('button', { name: 'Remove passkey' }).click();
      await expect(page.getByTestId('passkeys-notice')).toHaveText(
        '“Work laptop” was removed. It no longer signs you in.',
      );
      await expect(page.getByTestId('no-passkeys')).toBeVisible();
      await signOut(page);

      // The autofill answer is refused, then the button's: each once, with the reason, no retries.
      const verdicts: string[] = [];
      page.on('response', (r) => {
        if (new URL(r.url()).pathname === '/api/auth/passkeys/login') verdicts.push(String(r.status()));
      });
      await page.goto('/login');
      const error = page.getByTestId('passkey-error');
      await expect(error).toContainText('This passkey is not registered (any more)');
      await expect.poll(() => verdicts).toEqual(['401']);
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      await expect.poll(() => verdicts).toEqual(['401', '401']);
      await expect(error).toContainText('This passkey is not registered (any more)');
      await expect(page.getByRole('button', { name: 'Use a passkey' })).toBeEnabled();
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(await accessCookie(page)).toBeUndefined();
      expect(verdicts).toEqual(['401', '401']);
    });
  });

  test('the username field offers passkeys (autofill) and signs in with one', async ({ page }) => {
    const person = await newPerson();
    await virtualAuthenticator(page);
    await signInWithPassword(page, person);
    await addPasskey(page, 'Phone');
    await signOut(page);
    // The virtual authenticator picks its passkey from the autofill request as soon as it is made.
    await page.goto('/login?next=/dashboard');
    await page.waitForURL((u) => u.pathname === '/dashboard');
    expect(decodeJwt((await accessCookie(page))!)).toMatchObject({ amr: ['hwk', 'user', 'mfa'] });
  });
});

test.describe('passkeys without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the sign-in page is the password form alone; passkeys are renamed and removed with plain forms', async ({
    page,
  }) => {
    const person = await newPerson();
    // A passkey as a browser with JavaScript would have added it (this one never signs in).
    await withStore(MAIN, (store) =>
      store.createPasskey({
        id: randomId(cryptoRandom, 32),
        userId: person.id,
        publicKey: 'pQECAyYgASFYIA',
        counter: 0,
        transports: ['usb'],
        deviceType: 'singleDevice',
        backedUp: false,
        aaguid: null,
        name: 'Security key',
        createdAt: Date.now(),
      }),
    );
    await page.goto('/login');
    await expect(page.getByRole('button', { name: 'Use a passkey' })).toHaveCount(0);
    await signInWithPassword(page, person, '/account');
    await expect(page.getByTestId('passkeys-card')).toContainText('Adding a passkey needs JavaScript.');
    await expect(row(page, 'Security key')).toContainText('this device only');

    await page.getByRole('button', { name: 'Rename Security key' }).click();
    await page.getByLabel('New name for “Security key”').fill('YubiKey');
    await page.getByRole('button', { name: 'Save name' }).click();
    await expect(page.getByTestId('passkeys-notice')).toHaveText('The passkey is now called “YubiKey”.');

    await page.getByRole('button', { name: 'Remove YubiKey' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(row(page, 'YubiKey')).toBeVisible();
    await page.getByRole('button', { name: 'Remove YubiKey' }).click();
    await page.getByRole('button', { name: 'Remove passkey' }).click();
    await expect(page.getByTestId('passkeys-notice')).toHaveText(
      '“YubiKey” was removed. It no longer signs you in.',
    );
    await expect(page.getByTestId('no-passkeys')).toBeVisible();
  });
});

test.describe('passkeys and the admin console', () => {
  test('step-up: an admin with a passkey signed in with a password alone is asked for the passkey before the console', async ({
    page,
  }) => {
    const admin = await newPerson(true);
    await virtualAuthenticator(page);
    await signInWithPassword(page, admin);
    await addPasskey(page, 'Admin laptop');
    expect(decodeJwt((await accessCookie(page))!)).toMatchObject({ amr: ['pwd'] });

    // The console wants the second factor this admin now has: back to sign-in, saying why.
    await buttonCeremonyOnly(page, () => page.goto('/admin'));
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('step_up')).toBe('mfa');
    await expect(page.getByTestId('step-up')).toContainText('This page asks for a stronger sign-in.');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL((u) => u.pathname === '/admin');
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await expect(page.getByTestId('admin-title')).toBeVisible();
    expect(decodeJwt((await accessCookie(page))!)).toMatchObject({ amr: ['hwk', 'user', 'mfa'] });
    await page.goto('/dashboard');
    await expect(page.getByTestId('signed-in-with')).toContainText('passkey on this device');
  });
});
