import { CrossOriginError } from './errors';

/**
 * CSRF defence for every state-changing request (after the Copenhagen Book): a browser always
 * sends `Origin` on a cross-site POST, and `Sec-Fetch-Site` on modern engines, and a page on
 * another site cannot forge either. SameSite=Lax alone is not enough (same-site subdomains,
 * older browsers, top-level POST navigations within two minutes in some engines).
 *
 * Both headers must agree: `Sec-Fetch-Site: cross-site` or `same-site` is refused even when
 * `Origin` names our host (a sibling subdomain is same-site but not us). Requests with neither
 * header are not from a browser (curl, mobile apps, the middleware) and cannot ride a victim's
 * cookies, so they pass.
 *
 * With a public URL configured (AUTH_PUBLIC_URL), `Origin` must be exactly that origin, scheme
 * included, so a page served over plain http on the same host cannot post to the https site.
 */
export function assertSameOrigin(request: Request, publicUrl: string | null = null): void {
  assertSameOriginHeaders(request.headers, publicUrl, new URL(request.url).host);
}

/** The same rule from the headers alone (server actions see headers(), not a Request). */
export function assertSameOriginHeaders(headers: Headers, publicUrl: string | null, urlHost?: string): void {
  const site = headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none') {
    throw new CrossOriginError(`cross-site request (Sec-Fetch-Site: ${site.slice(0, 20)})`);
  }
  const origin = headers.get('origin');
  if (origin === null) return;
  const ok = publicUrl ? origin.toLowerCase() === publicUrl.toLowerCase() : sameHost(origin, headers, urlHost);
  if (!ok) throw new CrossOriginError(`cross-origin request from ${origin.slice(0, 100)}`);
}

/**
 * Without a configured public URL: host, not scheme. Behind a TLS-terminating proxy the app
 * sees http:// while the browser's Origin says https://. A cross-site attacker controls
 * neither the Host the browser sends nor the Origin it writes, so the host alone decides.
 */
function sameHost(origin: string, headers: Headers, urlHost: string | undefined): boolean {
  let originHost: string;
  try {
    if (origin === 'null') return false;
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  // The host the browser addressed. server.ts keeps X-Forwarded-Host only from a trusted
  // proxy, and a cross-site page cannot set it (it would need a CORS preflight we never grant).
  const forwarded = headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const host = forwarded || headers.get('host') || urlHost;
  if (!host) return false;
  return originHost.toLowerCase() === host.toLowerCase();
}
