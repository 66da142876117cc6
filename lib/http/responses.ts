import { hasCode, isAuthError } from '../edge/errors';
import type { TokenPair } from '../auth/sessions';
import { NO_STORE } from '../edge/cookies';

/** JSON responses are never cached: they carry tokens, user data or auth errors. */
export function json(body: unknown, init: { status?: number; headers?: HeadersInit } = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json; charset=utf-8');
  headers.set('cache-control', NO_STORE);
  return new Response(JSON.stringify(body), { status: init.status ?? 200, headers });
}

/**
 * OAuth 2.0 token response (RFC 6749 §5.1): the tutorial's pair plus type and lifetime.
 * Without `includeTokens` the body omits both tokens: browsers keep them in httpOnly cookies
 * only, so script on the page (injected script included) never holds a refresh token.
 */
export function tokenBody(pair: TokenPair, includeTokens: boolean) {
  const meta = { token_type: pair.tokenType, expires_in: pair.expiresIn };
  return includeTokens ? { access_token: pair.accessToken, refresh_token: pair.refreshToken, ...meta } : meta;
}

/**
 * A request made by a browser. Browsers add `Sec-Fetch-Site` to requests to secure origins
 * (and localhost), and `Origin` to every POST; page script can remove neither. curl, mobile
 * apps and the middleware send neither. (Not `Sec-Fetch-Mode`: Node's own fetch sends it.)
 */
export function fromBrowser(request: Request): boolean {
  return request.headers.has('sec-fetch-site') || request.headers.has('origin');
}

/**
 * What clients are told about a refused token: the same few words whatever the cause, so an
 * attacker probing with forged tokens learns nothing about our keys, claims or policy. The
 * detailed reason goes to the server log.
 */
const GENERIC_DESCRIPTIONS: Readonly<Record<string, string>> = {
  invalid_token: 'the access token is missing, invalid or expired',
  invalid_grant: 'the refresh token is invalid, expired or revoked',
  invalid_credentials: 'unknown username or wrong password',
};

/**
 * Maps an error to its response: AuthErrors to their status and stable code; anything else is
 * our bug, logged and answered with an opaque 500.
 */
export function errorResponse(error: unknown, headers?: HeadersInit): Response {
  if (isAuthError(error)) {
    const h = new Headers(headers);
    if (hasCode(error, 'invalid_token')) {
      // RFC 6750 §3: tell bearer clients which scheme and what went wrong.
      h.set('www-authenticate', 'Bearer realm="gatehouse", error="invalid_token"');
    }
    if (hasCode(error, 'insufficient_user_authentication')) {
      // RFC 9470 §3: the token is fine, the sign-in behind it was not strong enough.
      h.set(
        'www-authenticate',
        'Bearer realm="gatehouse", error="insufficient_user_authentication", error_description="a sign-in with a second factor is required"',
      );
    }
    const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
    if (typeof retryAfter === 'number') h.set('retry-after', String(retryAfter));
    if (error.status >= 500) {
      // The client hears "busy"; the operator must hear why (a counters' store outage, say).
      const cause = (error as { cause?: unknown }).cause;
      console.error(`[gatehouse] ${error.code}: ${error.message}`, cause ?? '');
    }
    const generic = GENERIC_DESCRIPTIONS[error.code];
    if (generic !== undefined && error.message !== generic && (error as { reason?: unknown }).reason !== 'missing') {
      console.warn(`[gatehouse] ${error.code}: ${error.message}`);
    }
    const body: Record<string, unknown> = { error: error.code, error_description: generic ?? error.message };
    if (typeof retryAfter === 'number') body.retry_after = retryAfter;
    if (hasCode(error, 'mfa_required')) {
      // The second step's handle (POST /api/auth/mfa); not a session credential.
      const { mfaToken, expiresIn } = error as unknown as { mfaToken: string; expiresIn: number };
      body.mfa_token = mfaToken;
      body.expires_in = expiresIn;
    }
    return json(body, { status: error.status, headers: h });
  }
  console.error('[gatehouse] unexpected error', error);
  return json({ error: 'server_error' }, { status: 500, headers });
}

/** A redirect with a relative Location: an absolute one could jump hosts and lose cookies. */
export function seeOther(location: string, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set('location', location);
  h.set('cache-control', NO_STORE);
  return new Response(null, { status: 303, headers: h });
}
