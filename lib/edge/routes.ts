/**
 * Which pages need a signed-in user. Middleware redirects signed-out visitors of these to
 * /login; the pages check again themselves (requireUser), so this list is a convenience for
 * a smooth redirect, not the security boundary.
 */
export const PROTECTED_PREFIXES = ['/dashboard', '/admin'] as const;

export function isProtectedPath(pathname: string): boolean {
  return PROTECTED_PREFIXES.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

/**
 * Request header the middleware sets for the page it forwards to, and strips from every
 * inbound request so a client can never set it itself.
 */
export const AUTH_STATE_HEADER = 'x-gatehouse-auth';
/** The refresh could not be done (token endpoint down or slow); the session may be fine. */
export const AUTH_UNAVAILABLE = 'unavailable';

/**
 * Request header carrying the original client's address from the middleware's refresh call to
 * the token endpoint (signed, see internal-header.ts). Without it every refresh would be
 * recorded, and throttled, as coming from the middleware's own 127.0.0.1.
 */
export const CLIENT_ADDRESS_HEADER = 'x-gatehouse-client';
/** Every inbound header with this prefix is stripped by the server before Next.js sees it. */
export const INTERNAL_HEADER_PREFIX = 'x-gatehouse-';
