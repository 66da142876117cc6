/**
 * The Content-Security-Policy of every page, with a fresh nonce per request. Pure and
 * Edge-safe. The middleware puts the policy on the request it forwards (Next.js reads the nonce
 * from that request header and stamps it on every script it renders) and on the response.
 *
 * Scripts run only if they carry this request's nonce, or were loaded by one that did
 * ('strict-dynamic'), so markup injected into a page cannot run script: no 'unsafe-inline' for
 * scripts, ever. Styles keep 'unsafe-inline' because React writes style attributes; a style can
 * deface a page but not read its cookies or act as the user.
 *
 * The headers that never vary (nosniff, frame and referrer policies…) are set for every path,
 * static files included, in next.config.js; HSTS depends on runtime configuration and is set by
 * server.ts.
 */
export const CSP_HEADER = 'content-security-policy';

/** 128 bits, as the CSP spec asks of a nonce; base64 because Next.js parses it as such. */
const NONCE_BYTES = 16;
const NONCE = /^[A-Za-z0-9+/]{22,}={0,2}$/;

export function createNonce(
  random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const bytes = random(new Uint8Array(NONCE_BYTES));
  return btoa(String.fromCharCode(...bytes));
}

export interface PolicyOptions {
  readonly nonce: string;
  /** NODE_ENV=development: React's dev build and Fast Refresh evaluate strings. */
  readonly development: boolean;
  /** AUTH_PUBLIC_URL; an https one makes the browser upgrade any stray http:// subresource. */
  readonly publicUrl: string | null;
}

export function contentSecurityPolicy({ nonce, development, publicUrl }: PolicyOptions): string {
  // The nonce goes into a header verbatim: anything but base64 could add or end a directive.
  if (!NONCE.test(nonce)) throw new TypeError('CSP nonce must be base64 of at least 16 bytes');
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    // Clickjacking: no one may frame a sign-in page (X-Frame-Options says the same to old browsers).
    "frame-ancestors 'none'",
    // A form injected into a page cannot post the password somewhere else.
    "form-action 'self'",
  ];
  if (publicUrl?.startsWith('https:')) directives.push('upgrade-insecure-requests');
  return directives.join('; ');
}
