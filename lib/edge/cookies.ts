/**
 * The one way Gatehouse reads its cookies from a `Cookie` header, used by the middleware, the
 * route handlers and the pages alike. Parsers disagree about a name sent twice (`cookie.parse`
 * keeps the first, Next's RequestCookies the last), and an attacker who can plant a cookie
 * (a sibling subdomain, a cookie-tossing bug) can make two readers see two users. So a name
 * that appears more than once counts as absent, everywhere. Edge-safe.
 */
export interface CookieRead {
  /** The value, or undefined when absent or duplicated. */
  readonly value: string | undefined;
  readonly duplicated: boolean;
}

export function readCookie(header: string | null | undefined, name: string): CookieRead {
  let value: string | undefined;
  let seen = 0;
  if (header) {
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
      seen++;
      value = decode(part.slice(eq + 1).trim());
    }
  }
  return seen > 1 ? { value: undefined, duplicated: true } : { value: value || undefined, duplicated: false };
}

function decode(raw: string): string {
  const unquoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  try {
    return unquoted.includes('%') ? decodeURIComponent(unquoted) : unquoted;
  } catch {
    return unquoted;
  }
}

/**
 * The access and refresh cookies of a request. If either is duplicated, neither counts: the
 * request is not signed in, whichever reader looks at it.
 */
export function readAuthCookieHeader(
  header: string | null | undefined,
  names: { readonly access: string; readonly refresh: string },
): { access: string | undefined; refresh: string | undefined; duplicated: boolean } {
  const access = readCookie(header, names.access);
  const refresh = readCookie(header, names.refresh);
  if (access.duplicated || refresh.duplicated)
    return { access: undefined, refresh: undefined, duplicated: true };
  return { access: access.value, refresh: refresh.value, duplicated: false };
}

/**
 * A CDN or shared cache that stored a response carrying Set-Cookie would hand one user's
 * session to the next visitor; every auth response says so explicitly.
 */
export const NO_STORE = 'private, no-store';

/**
 * The token from `Authorization: Bearer …`: `null` when there is no Bearer credential, `''`
 * when a Bearer one is malformed (a client bug worth a clear 401, not a silent fallback to
 * cookies). Another scheme is not ours: a site behind HTTP Basic auth (a staging server's
 * `auth_basic`) has the browser send `Basic …` on every request, and that must not make a
 * browser with a valid cookie read as signed out.
 */
export function bearerToken(headers: Headers): string | null {
  const header = headers.get('authorization');
  if (header === null || !/^Bearer(\s|$)/i.test(header.trimStart())) return null;
  const match = /^\s*Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return match ? match[1]! : '';
}
