import { serialize, type SerializeOptions } from 'cookie';
import type { AuthConfig } from '../edge/config';
import { readAuthCookieHeader } from '../edge/cookies';

/**
 * The two auth cookies, written and cleared the same way everywhere (route handlers and
 * middleware). Both httpOnly, SameSite=Lax, Path=/; Secure and `__Host-` in production.
 */
export interface CookieTokens {
  readonly access: string | undefined;
  readonly refresh: string | undefined;
}

export interface IssuedCookies {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** ms since the epoch */
  readonly accessExpiresAt: number;
  /** ms since the epoch */
  readonly refreshExpiresAt: number;
}

/** The auth cookies as every reader sees them: a name sent twice counts as absent (cookie-jar.ts). */
export function readAuthCookies(request: Request, config: AuthConfig): CookieTokens {
  const { access, refresh } = readAuthCookieHeader(request.headers.get('cookie'), config.cookieNames);
  return { access, refresh };
}

function baseOptions(config: AuthConfig): SerializeOptions {
  return { httpOnly: true, sameSite: 'lax', path: '/', secure: config.cookieSecure };
}

/** Set-Cookie values for a new pair; each cookie lives exactly as long as its token. */
export function authCookieHeaders(config: AuthConfig, issued: IssuedCookies, now: number): string[] {
  const maxAge = (until: number) => Math.max(0, Math.floor((until - now) / 1000));
  return [
    serialize(config.cookieNames.access, issued.accessToken, {
      ...baseOptions(config),
      maxAge: maxAge(issued.accessExpiresAt),
    }),
    serialize(config.cookieNames.refresh, issued.refreshToken, {
      ...baseOptions(config),
      maxAge: maxAge(issued.refreshExpiresAt),
    }),
  ];
}

/** The device cookie (throttle.ts): httpOnly like the others, and long-lived. */
export function deviceCookieHeader(config: AuthConfig, device: { name: string; value: string; maxAge: number }): string {
  return serialize(device.name, device.value, { ...baseOptions(config), maxAge: device.maxAge });
}

export function clearAuthCookieHeaders(config: AuthConfig): string[] {
  return [config.cookieNames.access, config.cookieNames.refresh].map((name) =>
    serialize(name, '', { ...baseOptions(config), maxAge: 0, expires: new Date(0) }),
  );
}

/**
 * A CDN or shared cache that stored a response carrying Set-Cookie would hand one user's
 * session to the next visitor; every auth response says so explicitly.
 */
export const NO_STORE = 'private, no-store';

/** Response headers carrying these Set-Cookie lines, marked uncacheable as every such response must be. */
export function cookieHeaders(lines: readonly string[]): Headers {
  const headers = new Headers({ 'cache-control': NO_STORE });
  for (const line of lines) headers.append('set-cookie', line);
  return headers;
}
