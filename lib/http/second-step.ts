import type { Gatehouse } from '../auth/gatehouse';
import type { TokenPair } from '../auth/sessions';
import { readAuthCookieHeader, readCookie } from '../edge/cookies';
import { InvalidRequestError } from '../edge/errors';
import { authCookies, deviceCookie, type CookieSpec } from './cookies';
import { clearedMfaCookie, readMfaCookie } from './mfa-cookie';

/**
 * The second sign-in step as POST /api/auth/mfa and the /login/verify page's action both
 * perform it, as lib/http/sign-in.ts does the first: the step token from the body (API
 * clients) or the step cookie (browsers), the code, the throttled service, the same cookies as
 * a password sign-in plus the step cookie cleared.
 */
export async function completeSecondStep(
  gh: Gatehouse,
  fields: Readonly<Record<string, string | undefined>>,
  headers: Headers,
): Promise<{ pair: TokenPair; cookies: CookieSpec[] }> {
  const cookie = headers.get('cookie');
  const fromCookie = readMfaCookie(gh.config, cookie);
  const token = fields.mfa_token || fromCookie;
  if (!token) throw new InvalidRequestError('"mfa_token" is required');
  const meta = await gh.requestMeta(headers);
  const pair = await gh.twoFactor.completeStep(
    token,
    fields.code ?? '',
    meta,
    (name) => readCookie(cookie, name).value,
  );

  // Signing in over an existing session replaces it rather than leaving it alive unseen.
  const previous = readAuthCookieHeader(cookie, gh.config.cookieNames).refresh;
  if (previous) await gh.sessions.logout({ refreshToken: previous }, meta);

  const cookies = authCookies(gh.config, pair);
  if (pair.device) cookies.push(deviceCookie(gh.config, pair.device));
  if (fromCookie) cookies.push(clearedMfaCookie(gh.config));
  return { pair, cookies };
}
