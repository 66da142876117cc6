import { CrossOriginError } from '../auth/errors';

/**
 * CSRF defence for every state-changing request (after the Copenhagen Book): a browser always
 * sends `Origin` on a cross-site POST, and `Sec-Fetch-Site` on modern engines, and a page on
 * another site cannot forge either. SameSite=Lax alone is not enough (same-site subdomains,
 * older browsers, top-level POST navigations within two minutes in some engines).
 *
 * Requests with neither header are not from a browser (curl, mobile apps, the middleware) and
 * cannot ride a victim's cookies, so they pass.
 */
export function assertSameOrigin(request: Request): void {
  const origin = request.headers.get('origin');
  if (origin !== null) {
    if (!sameHost(origin, request)) throw new CrossOriginError(`cross-origin request from ${origin.slice(0, 100)}`);
    return;
  }
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none') {
    throw new CrossOriginError(`cross-site request (Sec-Fetch-Site: ${site.slice(0, 20)})`);
  }
}

/**
 * Host, not scheme: behind a TLS-terminating proxy the app sees http:// while the browser's
 * Origin says https://. A cross-site attacker controls neither the Host the browser sends
 * nor the Origin it writes, so the host alone decides.
 */
function sameHost(origin: string, request: Request): boolean {
  let originHost: string;
  try {
    if (origin === 'null') return false;
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  // The host the browser addressed. A cross-site page cannot set X-Forwarded-Host (it would
  // need a CORS preflight we never grant), and a proxy in front sets it to the public host.
  const forwarded = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const host = forwarded || request.headers.get('host') || new URL(request.url).host;
  return originHost.toLowerCase() === host.toLowerCase();
}
