import { NextResponse, type NextRequest } from 'next/server';
import { verifyAccessToken } from '../auth/access-token';
import type { AuthConfig } from '../auth/config';
import { hasCode } from '../auth/errors';
import type { Keyring } from '../auth/keys';
import { NO_STORE } from '../http/cookies';
import { AUTH_STATE_HEADER, AUTH_UNAVAILABLE, isProtectedPath } from './paths';
import { requestRefresh, type RefreshOutcome } from './refresh-client';

/**
 * The middleware's logic, apart from Next.js's entry point so tests can drive it with a
 * frozen clock and a fake token endpoint. Edge-safe: jose and Web Crypto only.
 *
 *   access cookie valid            → pass through (no I/O at all)
 *   missing/expired + refresh      → refresh at AUTH_INTERNAL_URL, then
 *       ok                         → new cookies into the forwarded request AND the response
 *       invalid_grant              → clear cookies; protected path → /login?next=…
 *       unavailable                → keep cookies; tell the page (it shows "try again")
 *   nothing usable, protected path → /login?next=…
 */
export interface GateDeps {
  readonly config: AuthConfig;
  readonly keyring: Keyring;
  readonly now: () => number;
  readonly fetch?: typeof fetch;
}

export async function gate(request: NextRequest, deps: GateDeps): Promise<NextResponse> {
  const { config } = deps;
  // Never trust this header from outside: only this middleware may set it.
  request.headers.delete(AUTH_STATE_HEADER);

  const access = request.cookies.get(config.cookieNames.access)?.value;
  const refresh = request.cookies.get(config.cookieNames.refresh)?.value;

  if (access && (await accessIsValid(access, deps))) return forward(request);
  if (!refresh) return isProtectedPath(request.nextUrl.pathname) ? toLogin(request) : forward(request);

  const outcome: RefreshOutcome = await requestRefresh(config.internalUrl, refresh, {
    fetch: deps.fetch,
    userAgent: request.headers.get('user-agent'),
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
  // page say what happened.
  console.warn(`[gatehouse] refresh unavailable: ${outcome.detail}`);
  request.cookies.delete(config.cookieNames.access);
  request.headers.set(AUTH_STATE_HEADER, AUTH_UNAVAILABLE);
  const response = forward(request);
  response.headers.set('cache-control', NO_STORE);
  return response;
}

async function accessIsValid(token: string, deps: GateDeps): Promise<boolean> {
  try {
    await verifyAccessToken(token, deps.keyring, deps.config, { now: deps.now() });
    return true;
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
  url.search = `?${new URLSearchParams({ next: request.nextUrl.pathname + request.nextUrl.search })}`;
  url.pathname = '/login';
  const response = NextResponse.redirect(url, 307);
  response.headers.set('cache-control', NO_STORE);
  return response;
}
