/**
 * Regenerates the README's screenshots from a running demo (npm run serve):
 *   npx tsx scripts/screenshots.ts [http://localhost:3000]
 * The account-page shots add a passkey (Chromium's virtual authenticator) and turn on the
 * authenticator app for `ada`, then sign in with a password and code: point it at a demo you
 * can throw away (say, one started with DATABASE_URL=file:/tmp/shots.db).
 */
import { chromium, type Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';

const base = process.argv[2] ?? 'http://localhost:3000';
const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((p) => p && existsSync(p));

async function main() {
  const browser = await chromium.launch({ executablePath, args: ['--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 900, height: 560 }, deviceScaleFactor: 1 });
  await page.goto(`${base}/login?next=%2Fdashboard`);
  await page.getByLabel('Username').fill('jon');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('login-error').waitFor();
  await page.getByLabel('Username').fill('jon');
  await page.screenshot({ path: 'docs/screenshots/login.png' });
  await page.getByLabel('Password').fill('password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/dashboard');
  await page.setViewportSize({ width: 900, height: 720 });
  await page.waitForTimeout(1200); // let the countdown tick once
  await page.screenshot({ path: 'docs/screenshots/dashboard.png' });
  await page.getByRole('button', { name: 'Sign out', exact: true }).first().click();
  await page.waitForURL(`${base}/`);
  await secondFactors(page);
  await browser.close();
}

/** ada adds a passkey and turns on the authenticator app; then her second sign-in step. */
async function secondFactors(page: Page) {
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
  await page.goto(`${base}/login?next=%2Faccount`);
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill('password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL('**/account');
  await page.setViewportSize({ width: 900, height: 1400 });
  const passkeys = page.getByTestId('passkeys-card');
  await passkeys.getByLabel('Name (optional)').fill('MacBook Touch ID');
  await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
  await passkeys.getByText('MacBook Touch ID').first().waitFor();
  const card = page.locator('#two-factor');
  await card.getByRole('button', { name: 'Turn on the authenticator app' }).click();
  await card.getByTestId('totp-qr').locator('svg').waitFor();
  await card.screenshot({ path: 'docs/screenshots/authenticator-app.png' });
  const secret = (await card.getByTestId('totp-secret').innerText()).replace(/\s/g, '');
  await card.getByLabel('Enter the 6-digit code the app shows').fill(totp(secret, Math.floor(Date.now() / 30_000)));
  await card.getByRole('button', { name: 'Confirm the code' }).click();
  await card.getByTestId('recovery-codes').waitFor();
  await card.getByRole('link', { name: 'I have saved them' }).click();
  await card.getByTestId('two-factor-status').waitFor();
  await page.locator('main').screenshot({ path: 'docs/screenshots/account.png' });
  // Gone before /login: the virtual authenticator would answer the passkey autofill by itself.
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  await page.getByRole('button', { name: 'Sign out', exact: true }).first().click();
  await page.waitForURL(`${base}/`);
  await page.setViewportSize({ width: 900, height: 560 });
  await page.goto(`${base}/login?next=%2Fdashboard`);
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill('password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL('**/login/verify**');
  await page.getByLabel('Authentication code').fill('12');
  await page.screenshot({ path: 'docs/screenshots/second-step.png' });
}

/** RFC 6238 with SHA-1, six digits, 30-second steps: what the phone would show. */
function totp(base32: string, step: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
