import type { Gatehouse } from '../auth/gatehouse';
import { MAX_PASSWORD_LENGTH } from '../auth/passwords';
import type { TokenPair } from '../auth/sessions';
import { bearerToken, readAuthCookieHeader, readCookie } from '../edge/cookies';
import { InvalidRequestError } from '../edge/errors';
import { requireField } from './body';
import { authCookies, clearedAuthCookies, deviceCookie, type CookieSpec } from './cookies';

export const MAX_USERNAME_LENGTH = 128;

/**
 * Sign-in and sign-out as the JSON routes and the server actions both perform them: the same
 * field rules, the same throttled service, the same cookies. Each caller only turns the
 * outcome into its own kind of answer (a JSON body or a redirect; Set-Cookie lines or
 * Next's cookies()).
 */
export async function signIn(
  gh: Gatehouse,
  fields: Readonly<Record<string, string | undefined>>,
  headers: Headers,
): Promise<{ pair: TokenPair; cookies: CookieSpec[] }> {
  const username = requireField(fields, 'username', MAX_USERNAME_LENGTH);
  // No account name has control characters; a NUL would even make PostgreSQL fail the lookup.
  if (/\p{Cc}/u.test(username)) throw new InvalidRequestError('"username" has control characters');
  const password = requireField(fields, 'password', MAX_PASSWORD_LENGTH);
  const meta = await gh.requestMeta(headers);
  const cookie = headers.get('cookie');
  const pair = await gh.sessions.login(username, password, meta, {
    readCookie: (name) => readCookie(cookie, name).value,
  });

  // Signing in over an existing session replaces it rather than leaving it alive unseen.
  const previous = readAuthCookieHeader(cookie, gh.config.cookieNames).refresh;
  if (previous) await gh.sessions.logout({ refreshToken: previous }, meta);

  const cookies = authCookies(gh.config, pair);
  if (pair.device) cookies.push(deviceCookie(gh.config, pair.device));
  return { pair, cookies };
}

/**
 * Ends the session the request's tokens belong to (a refresh token given in the body wins over
 * the cookie; a bearer header over the access cookie) and returns the cookies that clear it.
 * Idempotent: dead or missing tokens still get a clean sign-out.
 */
export async function signOut(
  gh: Gatehouse,
  headers: Headers,
  refreshTokenField?: string,
): Promise<CookieSpec[]> {
  const cookies = readAuthCookieHeader(headers.get('cookie'), gh.config.cookieNames);
  await gh.sessions.logout(
    {
      refreshToken: refreshTokenField || cookies.refresh,
      accessToken: bearerToken(headers) || cookies.access,
    },
    await gh.requestMeta(headers),
  );
  return clearedAuthCookies(gh.config);
}
