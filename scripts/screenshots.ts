/**
 * Regenerates the README's screenshots from a running demo (npm run serve):
 *   npx tsx scripts/screenshots.ts [http://localhost:3000]
 */
import { chromium } from '@playwright/test';
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
  await browser.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
