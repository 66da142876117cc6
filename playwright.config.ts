import { chromium, defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';
import { APP_PORT, BASE_URL, CLUSTER, LONG_PORT } from './e2e/support/env';
import { requireHaproxy } from './e2e/support/haproxy';

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

if (CLUSTER) requireHaproxy();

/**
 * Each web server is e2e/support/serve.ts: one server.ts on SQLite, or with E2E_CLUSTER=1 two
 * instances on PostgreSQL behind HAProxy at the same URL (e2e/support/env.ts). SIGTERM goes to
 * the launcher's whole process group and it waits for everything it started to exit.
 */
const server = {
  reuseExistingServer: false,
  // Two instances of each server start at once in the cluster run, on a possibly busy machine.
  timeout: CLUSTER ? 120_000 : 60_000,
  gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
  stdout: 'ignore',
  stderr: 'pipe',
} as const;

export default defineConfig({
  testDir: './e2e',
  // One server (or cluster), one database, one switchable proxy: tests run one at a time.
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
      ...server,
      name: 'main',
      command: 'node node_modules/tsx/dist/cli.mjs e2e/support/serve.ts',
      url: `http://127.0.0.1:${APP_PORT}/login`,
    },
    {
      // Long-lived access tokens, for the revocation tests (e2e/support/env.ts).
      ...server,
      name: 'long',
      command: 'node node_modules/tsx/dist/cli.mjs e2e/support/serve.ts --long',
      url: `http://127.0.0.1:${LONG_PORT}/login`,
    },
  ],
});
