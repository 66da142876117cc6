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
  /**
   * Headers that never vary, on every response: pages, API routes, static files, 404s and the
   * middleware's redirects. The Content-Security-Policy varies (a nonce per request) and comes
   * from the middleware (lib/edge/security-headers.ts); Strict-Transport-Security depends on
   * runtime configuration and comes from server.ts.
   */
  async headers() {
    // Powerful features nothing here uses, off for the page and any frame in it. Only features
    // Chromium knows: an unknown one (interest-cohort) is a console error on every page.
    const unused =
      'accelerometer browsing-topics camera display-capture geolocation gyroscope hid magnetometer microphone midi payment serial usb';
    return [
      {
        source: '/:path*',
        headers: [
          // A JSON answer or an upload is never run as a script or a page because of its content.
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          // Sign-in URLs carry `next=` paths; other sites get the origin at most.
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
          // No framing, for browsers that predate the CSP's frame-ancestors: clickjacking.
          { key: 'X-Frame-Options', value: 'DENY' },
          // A window that opens this site, or that it opens, gets no handle on it (tabnabbing, XS-Leaks).
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          {
            key: 'Permissions-Policy',
            value: unused
              .split(' ')
              .map((feature) => `${feature}=()`)
              .join(', '),
          },
        ],
      },
      {
        // One-time password links carry their token in the URL: no other site may see it in a
        // Referer, not even the origin. Not `no-referrer`: under it a browser sends `Origin:
        // null` with the form's own post, which the CSRF check rightly refuses (the form must
        // work without JavaScript). Listed after the rule above, so it wins there.
        source: '/reset-password',
        headers: [{ key: 'Referrer-Policy', value: 'same-origin' }],
      },
    ];
  },
  // Native modules stay outside the server bundle.
  serverExternalPackages: ['better-sqlite3', 'argon2', 'pg', 'ioredis', 'rate-limiter-flexible'],
  // Links and redirects are checked against the app's routes at build time.
  typedRoutes: true,
  experimental: {
    // forbidden() renders app/forbidden.tsx with a real 403 status for non-admins at /admin.
    authInterrupts: true,
    serverActions: {
      // A sign-in form is a few hundred bytes; the 1 MB default would let anyone make every
      // instance buffer a megabyte per request before any check runs.
      bodySizeLimit: '16kb',
    },
  },
};

/** @param {string} phase */
module.exports = (phase) => {
  // `next build` loads this file too: a build never needs (or keeps) a demo secret.
  if (phase !== 'phase-production-build') ensureDemoSecret();
  return nextConfig;
};
