import { CLIENT_ADDRESS_HEADER, signInternal } from './internal-header';

/**
 * The middleware's call to the token endpoint. Edge-safe. The URL comes from configuration
 * (AUTH_INTERNAL_URL), never from the request's Host or X-Forwarded-Host, which a client could
 * point at itself to collect refresh tokens.
 */
export type RefreshOutcome =
  | {
      readonly kind: 'ok';
      readonly accessToken: string;
      readonly refreshToken: string;
      readonly expiresIn: number;
      /** The endpoint's own Set-Cookie lines, passed on verbatim: one source of cookie attributes. */
      readonly setCookies: readonly string[];
    }
  /** The endpoint said no: the session is over. */
  | { readonly kind: 'invalid_grant'; readonly setCookies: readonly string[] }
  /** We could not find out: endpoint down, slow, or answering nonsense. Keep the cookies. */
  | { readonly kind: 'unavailable'; readonly detail: string };

export const REFRESH_TIMEOUT_MS = 5000;

/**
 * The browser's address, relayed to the token endpoint. The call itself comes from this
 * process (127.0.0.1), so without it every refresh would be audited and throttled as ours; it
 * is signed so that no one else can name an address to the endpoint.
 */
export interface RelayedClient {
  readonly address: string;
  /** keyring.macs.internal */
  readonly key: CryptoKey;
  readonly now: number;
}

export async function requestRefresh(
  internalUrl: string,
  refreshToken: string,
  options: {
    fetch?: typeof fetch;
    timeoutMs?: number;
    userAgent?: string | null;
    client?: RelayedClient | null;
  } = {},
): Promise<RefreshOutcome> {
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.userAgent) headers['user-agent'] = options.userAgent;
  const { client } = options;
  if (client)
    headers[CLIENT_ADDRESS_HEADER] = await signInternal(
      client.key,
      CLIENT_ADDRESS_HEADER,
      client.address,
      client.now,
    );
  // Two deadlines, one for the answer's headers and a fresh one for its body: an endpoint that
  // answered 200 late has already rotated the session, so giving up on the body then would drop
  // the new tokens and leave the browser to hope its retry lands within the grace window.
  const timeoutMs = options.timeoutMs ?? REFRESH_TIMEOUT_MS;
  const abort = new AbortController();
  let deadline = setTimeout(
    () => abort.abort(new DOMException('token endpoint timed out', 'TimeoutError')),
    timeoutMs,
  );
  let response: Response;
  try {
    response = await doFetch(`${internalUrl}/api/auth/token`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      signal: abort.signal,
      cache: 'no-store',
      redirect: 'manual',
    });
  } catch (error) {
    clearTimeout(deadline);
    return { kind: 'unavailable', detail: error instanceof Error ? error.name : 'fetch failed' };
  }
  clearTimeout(deadline);
  deadline = setTimeout(
    () => abort.abort(new DOMException('token endpoint timed out', 'TimeoutError')),
    timeoutMs,
  );

  let body: Record<string, unknown> = {};
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    // fall through with an empty body
  } finally {
    clearTimeout(deadline);
  }
  const setCookies = response.headers.getSetCookie();
  if (response.status === 401 && body.error === 'invalid_grant') return { kind: 'invalid_grant', setCookies };
  if (
    response.status === 200 &&
    typeof body.access_token === 'string' &&
    typeof body.refresh_token === 'string' &&
    typeof body.expires_in === 'number'
  ) {
    return {
      kind: 'ok',
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      expiresIn: body.expires_in,
      setCookies,
    };
  }
  return { kind: 'unavailable', detail: `token endpoint answered ${response.status}` };
}
