import { serialize, type SerializeOptions } from 'cookie';
import type { AuthConfig } from '../edge/config';
import { NO_STORE, readAuthCookieHeader } from '../edge/cookies';

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
  /** ms since the epoch: lifetimes count from here */
  readonly issuedAt: number;
}

/** The auth cookies as every reader sees them: a name sent twice counts as absent (cookie-jar.ts). */
export function readAuthCookies(request: Request, config: AuthConfig): CookieTokens {
  const { access, refresh } = readAuthCookieHeader(request.headers.get('cookie'), config.cookieNames);
  return { access, refresh };
}

/**
 * One cookie to write, as data: route handlers serialize it into a Set-Cookie line, server
 * actions hand it to Next's cookies().set(). Either way the attributes come from here.
 */
export interface CookieSpec {
  readonly name: string;
  readonly value: string;
  readonly options: {
    readonly httpOnly: true;
    readonly sameSite: 'lax';
    readonly path: '/';
    readonly secure: boolean;
    readonly maxAge: number;
    readonly expires?: Date;
  };
}

function spec(config: AuthConfig, name: string, value: string, maxAge: number, expires?: Date): CookieSpec {
  const options = { httpOnly: true, sameSite: 'lax', path: '/', secure: config.cookieSecure, maxAge } as const;
  return { name, value, options: expires ? { ...options, expires } : options };
}

/** The cookies for a new pair; each lives exactly as long as its token. */
export function authCookies(config: AuthConfig, issued: IssuedCookies): CookieSpec[] {
  const maxAge = (until: number) => Math.max(0, Math.floor((until - issued.issuedAt) / 1000));
  return [
    spec(config, config.cookieNames.access, issued.accessToken, maxAge(issued.accessExpiresAt)),
    spec(config, config.cookieNames.refresh, issued.refreshToken, maxAge(issued.refreshExpiresAt)),
  ];
}

/** The device cookie (throttle.ts): httpOnly like the others, and long-lived. */
export function deviceCookie(config: AuthConfig, device: { name: string; value: string; maxAge: number }): CookieSpec {
  return spec(config, device.name, device.value, device.maxAge);
}

export function clearedAuthCookies(config: AuthConfig): CookieSpec[] {
  return [config.cookieNames.access, config.cookieNames.refresh].map((name) => spec(config, name, '', 0, new Date(0)));
}

export function setCookieLine({ name, value, options }: CookieSpec): string {
  return serialize(name, value, options as SerializeOptions);
}

/** Set-Cookie lines for a new pair. */
export const authCookieHeaders = (config: AuthConfig, issued: IssuedCookies): string[] =>
  authCookies(config, issued).map(setCookieLine);

export const clearAuthCookieHeaders = (config: AuthConfig): string[] => clearedAuthCookies(config).map(setCookieLine);

/** Response headers carrying these Set-Cookie lines, marked uncacheable as every such response must be. */
export function cookieHeaders(lines: readonly string[]): Headers {
  const headers = new Headers({ 'cache-control': NO_STORE });
  for (const line of lines) headers.append('set-cookie', line);
  return headers;
}
