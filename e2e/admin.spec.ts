import type { Page } from '@playwright/test';
import { createArgon2Hasher } from '../lib/auth/passwords';
import { createUserAdmin } from '../lib/auth/users';
import { systemClock } from '../lib/edge/clock';
import { cryptoRandom } from '../lib/edge/random';
import { expect, test } from './support/fixtures';
import { withStore } from './support/database';
import { LONG, LONG_URL, MAIN, type Profile } from './support/env';
import { expectAccessible } from './support/a11y';
import { loginError, signIn } from './support/helpers';

/**
 * The admin console as jon uses it. The users it acts on are made here, in beforeAll, through
 * the same console code (as the users command): the shared e2e users (jon, ada, eve, zed) are
 * never banned or deleted, other specs rely on them.
 */
const MIRA = { username: 'mira', name: 'Mira Target', password: 'e2e-password-mira' };
const OTTO = { username: 'otto', name: 'Otto NoScript', password: 'e2e-password-otto' };

async function addUsers(server: Profile, users: readonly (typeof MIRA)[]) {
  await withStore(server, async (store) => {
    const admin = createUserAdmin({
      store,
      hasher: createArgon2Hasher(),
      clock: systemClock,
      random: cryptoRandom,
    });
    // beforeAll runs again in a new worker after a failed test: the users may be there already.
    for (const u of users) {
      if (await store.findUserByUsername(u.username)) continue;
      await admin.add({ username: u.username, displayName: u.name, password: u.password, admin: false });
    }
  });
}

test.beforeAll(async () => {
  await addUsers(LONG, [MIRA]);
  await addUsers(MAIN, [OTTO]);
});

/** Signs in through the form at `origin` with any account. */
async function signInAs(page: Page, origin: string, user: { username: string; password: string }) {
  await page.goto(`${origin}/login`);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** From /admin, through the search and the list, to a user's page. */
async function openUser(page: Page, origin: string, username: string) {
  await page.goto(`${origin}/admin`);
  await page.getByLabel('Search by username or name').fill(username);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(`${origin}/admin?q=${username}`);
  await page
    .getByRole('region', { name: 'Users' })
    .getByRole('link', { name: username, exact: true })
    .click();
  await expect(page.getByTestId('user-title')).toHaveText(username);
}

test.describe('the admin console', () => {
  test('a ban ends the user’s session on their next request; they cannot sign in; the trail says who; unban lets them back', async ({
    browser,
  }) => {
    // Both on the server with 15-minute tokens: the ban, not an expiry, must end mira's session.
    const mira = await (await browser.newContext()).newPage();
    await signInAs(mira, LONG_URL, MIRA);
    await expect(mira.getByTestId('welcome')).toHaveText(`Welcome, ${MIRA.name}`);

    const jon = await (await browser.newContext()).newPage();
    await signIn(jon, 'jon', `${LONG_URL}/login`);
    await openUser(jon, LONG_URL, MIRA.username);
    await expect(jon.getByTestId('sessions-table').getByRole('row')).toHaveCount(2);
    await expectAccessible(jon, 'an admin’s user page');
    await jon.getByRole('button', { name: `Ban ${MIRA.username}` }).click();
    await expect(jon.getByRole('status').filter({ hasText: 'Banned mira' })).toHaveText(
      'Banned mira; 1 session ended.',
    );
    await expect(jon.getByTestId('user-status')).toHaveText('banned');
    await expect(jon.getByTestId('no-sessions')).toBeVisible();

    // Her access token has minutes to live: the revocation set ends it within its poll.
    await expect(async () => {
      await mira.goto(`${LONG_URL}/dashboard`);
      await expect(mira).toHaveURL(`${LONG_URL}/login?next=%2Fdashboard`, { timeout: 1_000 });
    }).toPass({ timeout: 10_000 });
    await mira.getByLabel('Username').fill(MIRA.username);
    await mira.getByLabel('Password').fill(MIRA.password);
    await mira.getByRole('button', { name: 'Sign in' }).click();
    await expect(loginError(mira)).toHaveText('Wrong username or password.');

    // The audit trail, filtered by user and type: the ban, by jon.
    await jon.goto(`${LONG_URL}/admin/audit`);
    await jon.getByLabel('User', { exact: true }).fill(MIRA.username);
    await jon.getByLabel('Event', { exact: true }).selectOption('ban');
    await jon.getByRole('button', { name: 'Filter' }).click();
    await expect(jon).toHaveURL(`${LONG_URL}/admin/audit?user=${MIRA.username}&type=ban`);
    const rows = jon.getByTestId('audit-table').getByRole('row');
    await expect(rows).toHaveCount(2); // the header and the ban
    await expect(rows.nth(1)).toContainText('ban');
    await expect(rows.nth(1)).toContainText('by jon');
    await expect(rows.nth(1)).toContainText('1 session(s) revoked');
    await expectAccessible(jon, 'the filtered audit trail');

    await openUser(jon, LONG_URL, MIRA.username);
    await jon.getByRole('button', { name: `Unban ${MIRA.username}` }).click();
    await expect(jon.getByRole('status').filter({ hasText: 'Unbanned' })).toHaveText('Unbanned mira.');
    await expect(jon.getByTestId('user-status')).toHaveText('active');
    await signInAs(mira, LONG_URL, MIRA);
    await expect(mira.getByTestId('welcome')).toHaveText(`Welcome, ${MIRA.name}`);
  });

  test('an admin cannot ban, demote or delete their own account: the page says why', async ({ page }) => {
    await signIn(page, 'jon');
    await openUser(page, '', 'jon');
    await expect(page.getByText('This is your account')).toBeVisible();
    await page.getByRole('button', { name: 'Ban jon' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'own account' })).toHaveText(
      'You cannot ban, delete or take admin rights from your own account: another admin must.',
    );
    await page.getByRole('button', { name: 'Take admin rights' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'own account' })).toHaveCount(2);
    // Delete asks for the box first, then refuses all the same.
    await page.getByRole('button', { name: 'Delete user jon' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Tick the box' })).toBeVisible();
    await page.getByLabel('Yes, delete jon').check();
    await page.getByRole('button', { name: 'Delete user jon' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'own account' })).toHaveCount(3);
    await expect(page.getByTestId('user-status')).toHaveText('active');
    await expect(page.getByTestId('user-role')).toHaveText('admin');
    await expectAccessible(page, 'refusals on one’s own page');
  });

  test('creating a user hands over a one-time link, once', async ({ page }) => {
    await signIn(page, 'jon');
    await page.goto('/admin');
    await expectAccessible(page, '/admin');
    const form = page.getByTestId('create-user');
    await form.getByLabel('Username').fill('nia');
    await form.getByLabel('Display name').fill('Nia Newcomer');
    await form.getByRole('button', { name: 'Create user' }).click();
    await expect(form.getByRole('status')).toContainText('Created nia.');
    const link = form.getByLabel('One-time link for nia');
    await expect(link).toHaveValue(/^http:\/\/localhost:\d+\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
    await expectAccessible(page, '/admin with a one-time link');
    // Taken now, and the form says so, keeping what was typed.
    await form.getByLabel('Username').fill('NIA');
    await form.getByRole('button', { name: 'Create user' }).click();
    await expect(form.getByRole('alert')).toHaveText('That username is already taken.');
    await expect(form.getByLabel('Username')).toHaveValue('NIA');
    // Shown once: a reload has no link, and the list has the user.
    await page.goto('/admin?q=nia');
    await expect(page.getByTestId('one-time-link')).toHaveCount(0);
    await expect(page.getByRole('cell', { name: 'Nia Newcomer' })).toBeVisible();
    // A new link from the user's page ends the first one (the links' own spec tests using them).
    await page.getByRole('region', { name: 'Users' }).getByRole('link', { name: 'nia', exact: true }).click();
    await page.getByRole('button', { name: 'Create a password link' }).click();
    await expect(page.getByTestId('password-link').getByLabel('One-time link for nia')).toHaveValue(
      /\/reset-password\?token=[A-Za-z0-9_-]{43}$/,
    );
    await expectAccessible(page, 'a user page with a one-time link');
  });

  test.describe('without JavaScript', () => {
    test.use({ javaScriptEnabled: false });

    test('ban, unban and delete are plain form posts', async ({ page }) => {
      await signIn(page, 'jon');
      await openUser(page, '', OTTO.username);
      await page.getByRole('button', { name: `Ban ${OTTO.username}` }).click();
      await expect(page.getByText('Banned otto; 0 sessions ended.')).toBeVisible();
      await expect(page.getByTestId('user-status')).toHaveText('banned');
      await page.getByRole('button', { name: `Unban ${OTTO.username}` }).click();
      await expect(page.getByText('Unbanned otto.')).toBeVisible();
      await expect(page.getByTestId('user-status')).toHaveText('active');
      await page.getByRole('button', { name: `Delete user ${OTTO.username}` }).click();
      await expect(page.getByText('Tick the box to confirm.')).toBeVisible();
      await page.getByLabel(`Yes, delete ${OTTO.username}`).check();
      await page.getByRole('button', { name: `Delete user ${OTTO.username}` }).click();
      await expect(page).toHaveURL(`/admin?deleted=${OTTO.username}`);
      await expect(page.getByText('Deleted otto.')).toBeVisible();
      await page.goto(`/admin?q=${OTTO.username}`);
      await expect(page.getByTestId('users-count')).toHaveText('No user matches “otto”.');
    });
  });

  test.describe(() => {
    // Chromium logs a document's 404 as a console error.
    test.use({ expectedConsoleErrors: [/status of 404 .*\/admin\/users\//] });

    test('a user page for a malformed or unknown id is a 404, never an error', async ({ page }) => {
      await signIn(page, 'jon');
      for (const id of ["'%20OR%201=1--", 'A'.repeat(22), 'x'.repeat(300), '%00']) {
        expect((await page.goto(`/admin/users/${id}`))!.status(), id).toBe(404);
        await expect(page.getByTestId('not-found')).toBeVisible();
      }
    });
  });

  test('the console on a phone: the pages fit and pass axe', async ({ page }) => {
    await page.setViewportSize({ width: 320, height: 640 });
    await signIn(page, 'jon');
    await openUser(page, '', 'ada');
    await expectAccessible(page, 'user page, 320 px');
    await page.goto('/admin/audit?type=login_ok');
    await expect(page.getByTestId('audit-table')).toBeVisible();
    await expectAccessible(page, 'audit trail, 320 px');
    await page.goto('/admin/audit?user=nobody-at-all');
    await expect(page.getByTestId('audit-unknown-user')).toBeVisible();
    await expectAccessible(page, 'audit trail, unknown user, 320 px');
  });
});
