import type { NextRequest } from 'next/server';
import { parseConfig, type AuthConfig } from './lib/edge/config';
import { keyringFor, type Keyring } from './lib/edge/keys';
import { gate } from './lib/edge/gate';

/**
 * Gatehouse's Edge middleware: verifies the access cookie on every matched request with no
 * I/O, refreshes it transparently when it has expired, and gives every page a
 * Content-Security-Policy with a fresh script nonce (lib/edge/gate.ts).
 *
 * Why `middleware.ts` and not `proxy.ts`: Next 16 runs `proxy.ts` on the Node runtime only;
 * the Edge runtime (cheap, no database reachable by construction) still uses this name. The
 * build's deprecation notice is expected.
 */
let deps: Promise<{ config: AuthConfig; keyring: Keyring }> | undefined;

function load() {
  // Parsed and imported once per isolate, not per request.
  deps ??= (async () => {
    const config = parseConfig(process.env);
    return { config, keyring: await keyringFor(config.secret, config.previousSecrets) };
  })();
  return deps;
}

export async function middleware(request: NextRequest) {
  const { config, keyring } = await load();
  return gate(request, {
    config,
    keyring,
    now: Date.now,
    development: process.env.NODE_ENV === 'development',
  });
}

export const config = {
  // Everything but static assets, Next internals and the auth endpoints (which handle their
  // own tokens; matching /api/auth/token would also make the refresh call re-enter here).
  matcher: [
    '/((?!api/auth/|_next/static|_next/image|favicon\\.ico|robots\\.txt|.*\\.(?:png|jpg|jpeg|gif|svg|ico|webp|css|js|map|txt|woff2?)$).*)',
  ],
};
