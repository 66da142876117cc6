// @ts-check
const { randomBytes } = require('node:crypto');
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/**
 * The demo, and only when asked for (AUTH_DEMO=1, which `npm run serve` sets): a secret is
 * generated once, kept in .data/demo-secret (mode 0600), and handed to the server and to the
 * Edge middleware as AUTH_DEMO_SECRET. This file runs in Node before the server starts, which
 * is the one place both runtimes inherit environment from; the secret is never inlined into a
 * build. Without AUTH_DEMO=1 nothing is generated, and a start without AUTH_SECRET fails.
 */
function ensureDemoSecret() {
  if (process.env.AUTH_SECRET?.trim()) return;
  if (!['1', 'true'].includes(process.env.AUTH_DEMO?.trim() ?? '')) return;
  const dir = join(__dirname, '.data');
  const file = join(dir, 'demo-secret');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    // 'wx' fails if the file exists, so concurrent starts agree on one secret.
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
  }
  process.env.AUTH_DEMO_SECRET = readFileSync(file, 'utf8').trim();
}
/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native modules stay outside the server bundle.
  serverExternalPackages: ['better-sqlite3', 'argon2', 'pg', 'ioredis', 'rate-limiter-flexible'],
  experimental: {
    // forbidden() renders app/forbidden.tsx with a real 403 status for non-admins at /admin.
    authInterrupts: true,
  },
};

/** @param {string} phase */
module.exports = (phase) => {
  // `next build` loads this file too: a build never needs (or keeps) a demo secret.
  if (phase !== 'phase-production-build') ensureDemoSecret();
  return nextConfig;
};
