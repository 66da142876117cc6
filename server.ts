/**
 * Gatehouse's server: Next.js on its documented custom-server API, with the one thing
 * `next start` cannot do — know who is connecting. Next.js fills X-Forwarded-For from the
 * socket only when a request has none, so behind `next start` any client can name its own
 * address and walk around the per-address sign-in limits. Here every request's
 * X-Forwarded-For is rewritten to the client address: the socket's, or the one a proxy listed
 * in AUTH_TRUSTED_PROXIES vouches for. It also strips internal headers a client might send,
 * adds HSTS whenever cookies are Secure, and refuses to listen on a bad configuration.
 *
 *   tsx server.ts          production (AUTH_SECRET required)
 *   tsx server.ts --demo   the demo (AUTH_DEMO=1): generated secret, jon / password
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { clientAddress, isTrustedPeer } from './lib/auth/client-address';
import type { AuthConfig } from './lib/edge/config';
import { systemClock } from './lib/edge/clock';
import { createRequestRate, type RequestRate } from './lib/auth/request-rate';
import { INTERNAL_HEADER_PREFIX, SIGNED_INBOUND_HEADERS } from './lib/edge/internal-header';
import { loginPath } from './lib/edge/routes';
import { isFormNavigationHeaders } from './lib/http/body';
import { exitOnStartupFailure, loadConfig, SERVED_BY_GATEHOUSE, startGatehouse } from './lib/server/startup';

const HSTS = 'max-age=63072000';

async function main(): Promise<void> {
  const env = process.env as Record<string, string | undefined>;
  if (process.argv.includes('--demo')) env.AUTH_DEMO ??= '1';
  // `next start` always runs as production; so does this server.
  env.NODE_ENV = 'production';
  const port = Number(env.PORT ?? 3000);
  // Unset: every interface, IPv4 and IPv6 (localhost may resolve to either).
  const hostname = env.HOST?.trim() || undefined;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number (got "${env.PORT}")`);

  // Configuration, migrations, and the refusal to serve leftover demo accounts, before Next.js
  // even loads. The demo's secret is generated while Next.js loads next.config.js, so the demo
  // is checked after prepare(). (instrumentation.ts runs the same checks inside Next.js; they
  // are idempotent.)
  const demo = env.AUTH_DEMO === '1' || env.AUTH_DEMO === 'true';
  const check = async () => {
    const config = loadConfig();
    await (await startGatehouse(config, () => undefined)).close();
    return config;
  };
  const early = demo && !env.AUTH_SECRET?.trim() ? undefined : await check();

  // Tells the app (instrumentation.ts) it is served here and not by a bare `next start`.
  env[SERVED_BY_GATEHOUSE] = '1';
  const { default: next } = await import('next');
  const app = next({ dev: false, dir: __dirname, hostname: hostname ?? 'localhost', port });
  await app.prepare();
  const config = early ?? (await check());

  const handle = app.getRequestHandler();
  const signInRate = createRequestRate({
    burst: config.throttle.requestBurst,
    perSecond: config.throttle.requestRate,
    clock: systemClock,
  });
  const server = createServer((req, res) => {
    const client = prepareRequest(req, res, config);
    if (refuseStrayAction(req, res) || shedSignIn(req, res, client, signInRate)) return;
    handle(req, res).catch((error: unknown) => {
      console.error('[gatehouse] request failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('server error');
    });
  });
  server.listen({ port, host: hostname }, () => {
    console.log(`[gatehouse] ready on http://${hostname ?? 'localhost'}:${port}`);
    // The middleware loads its revocation set on its first request: make that request ours,
    // so no visitor's waits for it.
    void fetch(new URL('/login', config.internalUrl), { method: 'HEAD' }).catch(() => undefined);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    // Keep-alive clients must not hold a shutdown open.
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Returns the client address it settled on. */
function prepareRequest(req: IncomingMessage, res: ServerResponse, config: AuthConfig): string {
  const h = req.headers;
  const peer = req.socket.remoteAddress;
  const forwarded = Array.isArray(h['x-forwarded-for'])
    ? h['x-forwarded-for'].join(',')
    : h['x-forwarded-for'];
  const client = clientAddress(peer, forwarded, config.trustedProxies) ?? 'unknown';
  h['x-forwarded-for'] = client;
  delete h['x-real-ip'];
  if (!isTrustedPeer(peer, config.trustedProxies)) {
    // Only a trusted proxy may say which host and scheme the browser used.
    delete h['x-forwarded-host'];
    delete h['x-forwarded-proto'];
    delete h['x-forwarded-port'];
  }
  for (const name of Object.keys(h)) {
    // The middleware's calls (client address, revocation feed) are kept: each counts only with its MAC.
    if (name.startsWith(INTERNAL_HEADER_PREFIX) && !SIGNED_INBOUND_HEADERS.includes(name)) delete h[name];
  }
  // HSTS whenever the site is https: Secure cookies say so, and so does an https AUTH_PUBLIC_URL.
  if (config.cookieSecure || config.publicUrl?.startsWith('https:'))
    res.setHeader('strict-transport-security', HSTS);
  return client;
}

/**
 * A client sending sign-ins faster than any person is answered here, before Next.js and the
 * counters' store spend a millisecond or two each on it (lib/auth/request-rate.ts): a flood
 * must not queue signed-in users behind its refusals. Both doors count: the JSON routes that
 * hash a password or check a code (sign-in, password change, the second step), and
 * every POST to a page or carrying Next-Action — a server action can be invoked at any page's
 * path, and sign-in is one (the others, sign-out included, are one click each, far below the
 * rate). Same code
 * and shape as the throttle's 429; a browser's form post without JavaScript goes back to
 * the sign-in page with the wait.
 */
function shedSignIn(req: IncomingMessage, res: ServerResponse, client: string, rate: RequestRate): boolean {
  const path = signInPath(req.url);
  const page = !isNonPage(path);
  const action = Boolean(req.headers['next-action']);
  if (req.method !== 'POST' || (!HASHING_ROUTES.has(path) && !page && !action)) return false;
  const wait = rate.take(client);
  if (wait === 0) return false;
  const headers = {
    'cache-control': 'private, no-store',
    'retry-after': String(wait),
    'x-content-type-options': 'nosniff',
    connection: 'close',
  };
  // The action's own fetch (JavaScript on) carries Next-Action and needs a 429 it can show;
  // without JavaScript the browser posts the form as a plain navigation.
  const navigation = page
    ? !req.headers['next-action']
    : isFormNavigationHeaders((name) => headerValue(req, name));
  if (navigation) {
    const why = { error: 'too_many_attempts', retry_after: String(wait) };
    res.writeHead(303, { ...headers, location: loginPath(null, why) });
    res.end();
  } else {
    res.writeHead(429, { ...headers, 'content-type': 'application/json; charset=utf-8' });
    res.end(
      JSON.stringify({
        error: 'too_many_attempts',
        error_description: 'too many sign-in requests from this address',
        retry_after: wait,
      }),
    );
  }
  // The body is never read; don't let a slow client hold the socket.
  req.resume();
  return true;
}

/**
 * The JSON routes that hash a password — sign-in, a password change (two hashes each), turning
 * on an authenticator app — the second sign-in step, where codes are guessed as passwords are,
 * and passkey sign-in, whose options each store a challenge row.
 */
const HASHING_ROUTES = new Set([
  '/api/auth/login',
  '/api/auth/password',
  '/api/auth/totp',
  '/api/auth/mfa',
  '/api/auth/passkeys/login',
  '/api/auth/passkeys/login/options',
]);

/** API routes and Next's own files: paths no page (and so no server action) lives at. */
function isNonPage(path: string): boolean {
  return path.startsWith('/api/') || path.startsWith('/_next/');
}

/**
 * A server-action call aimed at an API route or one of Next's own files. No action lives
 * there; Next would forward it to the page that has it — from this process, over loopback, so
 * past the per-address counters and the middleware's origin check (which skips /api/auth and
 * static files). Refused here instead.
 */
function refuseStrayAction(req: IncomingMessage, res: ServerResponse): boolean {
  if (!req.headers['next-action'] || !isNonPage(signInPath(req.url))) return false;
  res.writeHead(404, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  res.end(JSON.stringify({ error: 'not_found', error_description: 'no server action here' }));
  req.resume();
  return true;
}

/**
 * The path Next.js will route, whatever spelling reaches it: an absolute-form target
 * (`POST http://host/api/auth/login`), percent-encoding (`/api/auth/%6cogin`), a trailing slash.
 */
function signInPath(url: string | undefined): string {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url ?? '/', 'http://gatehouse.invalid').pathname);
  } catch {
    return '';
  }
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

main().catch(exitOnStartupFailure);

/** One header of a Node request as a string (repeated headers joined, as fetch's Headers does). */
function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
