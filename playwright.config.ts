import { chromium, defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';
import { APP_PORT, BASE_URL, LONG_PORT } from './e2e/support/env';

/**
 * End-to-end tests: a real Chromium against `next build` + `next start` (see e2e/support).
 * Chromium is found without downloads: CHROMIUM_PATH, else Debian's /usr/bin/chromium, else
 * Playwright's own browser if one was installed; otherwise we stop and say what to install.
 */
function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const path of candidates) if (path && existsSync(path)) return path;
  try {
    // Playwright's bundled browser, if `npx playwright install chromium` has been run.
    if (existsSync(chromium.executablePath())) return undefined; // let Playwright use it
  } catch {
    // fall through
  }
  throw new Error(
    'No Chromium found for the end-to-end tests. Install one of:\n' +
      '  Debian/Ubuntu: sudo apt-get install -y chromium   (then it is found at /usr/bin/chromium)\n' +
      '  any OS:        npx playwright install chromium\n' +
      'or point CHROMIUM_PATH at a Chromium/Chrome binary.',
  );
}

export default defineConfig({
  testDir: './e2e',
  // One server, one database, one switchable proxy: tests run one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 30_000,
  reporter: [['list']],
  use: {
    baseURL: BASE_URL,
    trace: 'off',
    launchOptions: {
      executablePath: findChromium(),
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'],
    },
  },
  webServer: [
    {
      command: 'node node_modules/tsx/dist/cli.mjs e2e/support/serve.ts',
      url: `http://127.0.0.1:${APP_PORT}/login`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // Long-lived access tokens, for the revocation tests (e2e/support/env.ts).
      command: 'node node_modules/tsx/dist/cli.mjs e2e/support/serve.ts --long',
      url: `http://127.0.0.1:${LONG_PORT}/login`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
