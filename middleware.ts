import type { NextFetchEvent, NextRequest } from 'next/server';
import { parseConfig, type AuthConfig } from './lib/edge/config';
import { keyringFor, type Keyring } from './lib/edge/keys';
import { gate } from './lib/edge/gate';
import { feedLoader } from './lib/edge/revocation-client';
import { createRevocationWatch, type RevocationWatch } from './lib/edge/revocations';

/**
 * Gatehouse's Edge middleware: verifies the access cookie on every matched request with no
 * I/O, refuses tokens of sessions revoked lately (an in-memory set refreshed in the
 * background), refreshes an expired token transparently, and gives every page a
 * Content-Security-Policy with a fresh script nonce (lib/edge/gate.ts).
 *
 * Why `middleware.ts` and not `proxy.ts`: Next 16 runs `proxy.ts` on the Node runtime only;
 * the Edge runtime (cheap, no database reachable by construction) still uses this name. The
 * build's deprecation notice is expected.
 */
let deps: Promise<{ config: AuthConfig; keyring: Keyring; revocations: RevocationWatch | null }> | undefined;

function load() {
  // Parsed, imported and created once per isolate, not per request.
  deps ??= (async () => {
    const config = parseConfig(process.env);
    const keyring = await keyringFor(config.secret, config.previousSecrets);
    const revocations =
      config.revocationPoll > 0
        ? createRevocationWatch({
            load: feedLoader({ internalUrl: config.internalUrl, key: keyring.macs.internal, now: Date.now }),
            clock: Date.now,
            pollSeconds: config.revocationPoll,
            accessTtl: config.accessTtl,
            log: console.warn,
          })
        : null;
    return { config, keyring, revocations };
  })();
  return deps;
}

export async function middleware(request: NextRequest, event: NextFetchEvent) {
  const { config, keyring, revocations } = await load();
  // Fresh: no I/O. Due: refreshed after the response (waitUntil). Stale: a bounded wait first.
  const current = await revocations?.current();
  if (current?.background) event.waitUntil(current.background);
  return gate(request, {
    config,
    keyring,
    now: Date.now,
    development: process.env.NODE_ENV === 'development',
    revocations: current?.set ?? null,
  });
}

export const config = {
  // Everything but static assets, Next internals and the auth endpoints (which handle their
  // own tokens; matching /api/auth/token would also make the refresh call re-enter here).
  matcher: [
    '/((?!api/auth/|_next/static|_next/image|favicon\\.ico|robots\\.txt|.*\\.(?:png|jpg|jpeg|gif|svg|ico|webp|css|js|map|txt|woff2?)$).*)',
  ],
};
