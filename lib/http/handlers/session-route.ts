import type { Gatehouse } from '../../auth/gatehouse';
import type { TokenPair } from '../../auth/sessions';
import { isAuthError, type AuthError } from '../../edge/errors';
import { assertSameOrigin } from '../../edge/origin';
import { safeNextPath } from '../../edge/safe-redirect';
import { isFormNavigation, readBody, type ParsedBody } from '../body';
import { cookieHeaders, setCookieLine, type CookieSpec } from '../cookies';
import { errorResponse, fromBrowser, json, seeOther, tokenBody } from '../responses';

/** What a step that ends in a session gives back: the pair and every cookie to set. */
export type SessionExchange = (
  fields: Readonly<Record<string, string | undefined>>,
  headers: Headers,
) => Promise<{ pair: TokenPair; cookies: CookieSpec[] }>;

export interface SessionRouteOptions {
  /**
   * A plain form post's refusal: where to send the browser (`next` already made safe), with
   * `headers` (refusalHeaders') on the answer.
   */
  readonly formRefusal: (error: AuthError, next: string | null, headers?: Headers) => Response;
  /** Cookies to set on any refusal (say, clearing a step that is over). */
  readonly refusalHeaders?: (error: unknown) => Headers;
}

/**
 * The shape every form/JSON route that ends in a session shares (POST /api/auth/login and
 * /api/auth/mfa): the origin check and the body first; then the exchange. JSON clients (a JSON
 * body or `Accept: application/json`) get the pair (browsers without the tokens: see
 * tokenBody) or the error as JSON; a plain form post gets a 303 to the safe `next`, or what
 * `formRefusal` makes of an AuthError. Every answer carries the cookies.
 */
export async function sessionRoute(
  request: Request,
  gh: Gatehouse,
  exchange: SessionExchange,
  options: SessionRouteOptions,
): Promise<Response> {
  let body: ParsedBody;
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    body = await readBody(request);
  } catch (error) {
    return errorResponse(error);
  }
  const asJson = !isFormNavigation(request);
  const rawNext = body.fields.next;

  try {
    const { pair, cookies } = await exchange(body.fields, request.headers);
    const headers = cookieHeaders(cookies.map(setCookieLine));
    if (asJson) return json(tokenBody(pair, !fromBrowser(request)), { headers });
    return seeOther(safeNextPath(rawNext), headers);
  } catch (error) {
    const headers = options.refusalHeaders?.(error);
    if (asJson || !isAuthError(error)) return errorResponse(error, headers);
    return options.formRefusal(error, safeNextPath(rawNext, '') || null, headers);
  }
}

/** A refusal as the sign-in pages read it from their query: its code and, when throttled, the wait. */
export function refusalQuery(error: AuthError): Record<string, string> {
  const why: Record<string, string> = { error: error.code };
  const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
  if (typeof retryAfter === 'number') why.retry_after = String(retryAfter);
  return why;
}
