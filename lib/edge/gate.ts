import { NextResponse, type NextRequest } from 'next/server';
import { verifyAccessToken } from './access-token';
import type { AuthConfig } from './config';
import { hasCode } from './errors';
import type { Keyring } from './keys';
import { NO_STORE, readAuthCookieHeader } from './cookies';
import {
  AUTH_STATE_HEADER,
  AUTH_UNAVAILABLE,
  INTERNAL_HEADER_PREFIX,
  PAGE_PATH_HEADER,
  signInternal,
} from './internal-header';
import { assertSameOrigin } from './origin';
import { isProtectedPath, loginPath } from './routes';
import { requestRefresh, type RefreshOutcome } from './refresh-client';
import type { RevocationSet } from './revocations';
import { contentSecurityPolicy, createNonce, CSP_HEADER } from './security-headers';

/**
 * The middleware's logic, apart from Next.js's entry point so tests can drive it with a
 * frozen clock and a fake token endpoint. Edge-safe: jose and Web Crypto only.
 *
 *   an auth cookie sent twice      → signed out: both dropped, no refresh
 *   access cookie valid            → pass through (no I/O at all)
 *   valid but revoked (the set)    → as if expired: the refresh decides (it refuses a revoked
 *                                    session: cookies cleared, /login)
 *   missing/expired + refresh      → refresh at AUTH_INTERNAL_URL, then
 *       ok                         → new cookies into the forwarded request AND the response
 *       invalid_grant              → clear cookies; protected path → /login?next=…
 *       unavailable                → keep cookies; tell the page (it shows "try again")
 *   nothing usable, protected path → /login?next=…
 *
 * Whatever the outcome, the response carries a Content-Security-Policy with a fresh nonce.
 */
export interface GateDeps {
  readonly config: AuthConfig;
  readonly keyring: Keyring;
  readonly now: () => number;
  readonly fetch?: typeof fetch;
  /** NODE_ENV=development: the policy allows what React's dev build needs. */
  readonly development?: boolean;
  /**
   * Sessions and users revoked lately (lib/edge/revocations.ts), kept fresh by the caller;
   * none means tokens are believed until they expire (AUTH_REVOCATION_POLL=0).
   */
  readonly revocations?: RevocationSet | null;
}

/** Every response the gate produces carries the request's Content-Security-Policy. */
export async function gate(request: NextRequest, deps: GateDeps): Promise<NextResponse> {
  // Never trust these from outside: only this middleware (or server.ts) may set them.
  for (const name of [...request.headers.keys()]) {
    if (name.startsWith(INTERNAL_HEADER_PREFIX)) request.headers.delete(name);
  }
  const policy = contentSecurityPolicy({
    nonce: createNonce(),
    development: deps.development ?? false,
    publicUrl: deps.config.publicUrl,
  });
  // Next.js takes the nonce for its own scripts from the forwarded request's policy…
  request.headers.set(CSP_HEADER, policy);
  // So a page's requireUser() can send the visitor back here after signing in.
  request.headers.set(PAGE_PATH_HEADER, request.nextUrl.pathname + request.nextUrl.search);
  const response = crossOrigin(request, deps) ?? (await decide(request, deps));
  // …and the browser enforces the response's.
  response.headers.set(CSP_HEADER, policy);
  return response;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Gatehouse's CSRF rule (lib/edge/origin.ts) for every state-changing request the middleware
 * sees, Server Actions included. Next's own action check compares hosts only, ignores
 * Sec-Fetch-Site and answers a mismatch with a 500; this answers 403 before any action runs.
 */
function crossOrigin(request: NextRequest, deps: GateDeps): NextResponse | null {
  if (SAFE_METHODS.has(request.method)) return null;
  try {
    assertSameOrigin(request, deps.config.publicUrl);
    return null;
  } catch (error) {
    if (!hasCode(error, 'cross_origin_request')) throw error;
    return NextResponse.json(
      { error: error.code, error_description: 'cross-origin requests are not accepted' },
      { status: 403, headers: { 'cache-control': NO_STORE } },
    );
  }
}

async function decide(request: NextRequest, deps: GateDeps): Promise<NextResponse> {
  const { config } = deps;
  const { access, refresh, duplicated } = readAuthCookieHeader(
    request.headers.get('cookie'),
    config.cookieNames,
  );

  if (duplicated) {
    // Someone planted a second auth cookie (cookie tossing). Whose session is this? No one's:
    // not signed in, and no refresh, which would spend one of the two tokens on a guess. The
    // page and route handlers must not get to pick one either, so both names go.
    dropCookies(request, [config.cookieNames.access, config.cookieNames.refresh]);
    return isProtectedPath(request.nextUrl.pathname) ? toLogin(request) : forward(request);
  }

  if (access && (await accessIsValid(access, deps))) return forward(request);
  if (!refresh) return isProtectedPath(request.nextUrl.pathname) ? toLogin(request) : forward(request);

  const address = clientAddress(request);
  const outcome: RefreshOutcome = await requestRefresh(config.internalUrl, refresh, {
    fetch: deps.fetch,
    userAgent: request.headers.get('user-agent'),
    client: address ? { address, key: deps.keyring.macs.internal, now: deps.now() } : null,
  });

  if (outcome.kind === 'ok') {
    // Into the request first, so the page rendering *this* request sees the new token…
    request.cookies.set(config.cookieNames.access, outcome.accessToken);
    request.cookies.set(config.cookieNames.refresh, outcome.refreshToken);
    const response = forward(request);
    // …and onto the response, so the browser keeps them.
    for (const line of outcome.setCookies) response.headers.append('set-cookie', line);
    response.headers.set('cache-control', NO_STORE);
    return response;
  }

  if (outcome.kind === 'invalid_grant') {
    request.cookies.delete(config.cookieNames.access);
    request.cookies.delete(config.cookieNames.refresh);
    const response = isProtectedPath(request.nextUrl.pathname) ? toLogin(request) : forward(request);
    for (const line of outcome.setCookies) response.headers.append('set-cookie', line);
    response.headers.set('cache-control', NO_STORE);
    return response;
  }

  // Unavailable: the session may be perfectly fine. Keep the cookies (the next request tries
  // again), don't redirect to /login (that would lose the session and could loop), and let the
  // page say what happened — signed, so the page can tell this middleware's word from a
  // client's header on a request the middleware never saw.
  console.warn(`[gatehouse] refresh unavailable: ${outcome.detail}`);
  request.cookies.delete(config.cookieNames.access);
  request.headers.set(
    AUTH_STATE_HEADER,
    await signInternal(deps.keyring.macs.internal, AUTH_STATE_HEADER, AUTH_UNAVAILABLE, deps.now()),
  );
  const response = forward(request);
  response.headers.set('cache-control', NO_STORE);
  return response;
}

/**
 * The browser's address: the first X-Forwarded-For entry, which server.ts writes from the
 * socket (or a trusted proxy's word) after discarding the client's own. Anything that is not
 * an IP address ("unknown", a forged list from a server that did not rewrite it) is no
 * address at all: the token endpoint then falls back to what it sees itself.
 */
function clientAddress(request: NextRequest): string | null {
  const first = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? '';
  return /^[0-9a-f.:]{2,45}$/i.test(first) && /[.:]/.test(first) ? first : null;
}

/**
 * Removes every cookie with one of these names from the forwarded request, split the way
 * cookie-jar.ts splits (Next's own parser keeps only one of a duplicated name, and does not
 * trim names, so `a=1; a =2` would survive its delete).
 */
function dropCookies(request: NextRequest, names: readonly string[]): void {
  const kept = (request.headers.get('cookie') ?? '')
    .split(';')
    .filter((part) => {
      const eq = part.indexOf('=');
      return eq < 0 || !names.includes(part.slice(0, eq).trim());
    })
    .map((part) => part.trim())
    .filter(Boolean);
  if (kept.length > 0) request.headers.set('cookie', kept.join('; '));
  else request.headers.delete('cookie');
}

async function accessIsValid(token: string, deps: GateDeps): Promise<boolean> {
  try {
    const claims = await verifyAccessToken(token, deps.keyring, deps.config, { now: deps.now() });
    // A revoked session's token is treated as expired: the refresh that follows is refused by
    // the database, which clears the cookies and sends a protected page to /login.
    return !deps.revocations?.refuses(claims);
  } catch (error) {
    // Expired, forged, garbage: all mean "not signed in by this cookie"; refresh decides.
    if (hasCode(error, 'invalid_token')) return false;
    throw error;
  }
}

function forward(request: NextRequest): NextResponse {
  return NextResponse.next({ request: { headers: request.headers } });
}

/**
 * Redirect to sign-in, keeping where the visitor was going. Next.js rejects a relative
 * Location from middleware, but rewrites one on the request's own host to a relative path
 * before sending it, so the browser never jumps hosts (and never loses its cookies).
 */
function toLogin(request: NextRequest): NextResponse {
  const url = request.nextUrl.clone();
  const target = new URL(loginPath(request.nextUrl.pathname + request.nextUrl.search), url);
  url.pathname = target.pathname;
  url.search = target.search;
  const response = NextResponse.redirect(url, 307);
  response.headers.set('cache-control', NO_STORE);
  return response;
}
