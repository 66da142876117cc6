import type { Gatehouse, SignedIn } from '../../auth/gatehouse';
import type { PasskeyInfo } from '../../auth/passkeys';
import { MAX_PASSWORD_LENGTH } from '../../auth/passwords';
import { readAuthCookieHeader, readCookie } from '../../edge/cookies';
import { InvalidRequestError, InvalidTokenError } from '../../edge/errors';
import { assertSameOrigin } from '../../edge/origin';
import { readBody } from '../body';
import { authCookies, cookieHeaders, setCookieLine } from '../cookies';
import { optionalString, readJsonObject } from '../json-body';
import { errorResponse, fromBrowser, json, tokenBody } from '../responses';

/**
 * The passkey API (lib/auth/passkeys.ts). Ceremonies are two requests each: options, then the
 * browser's answer. Every POST is refused cross-origin (403) like every other; the account
 * routes take the caller from the bearer token or the access cookie, as /api/auth/sessions does
 * (under /api/auth the middleware does not refresh: an expired token gets 401 `invalid_token`,
 * the client refreshes at /api/auth/token and retries).
 *
 *   POST   /api/auth/passkeys/login/options     → 200 options for navigator.credentials.get()
 *   POST   /api/auth/passkeys/login             {response} → 200 the token pair, as /api/auth/login
 *   POST   /api/auth/passkeys/register/options  {password?} → 200 options for .create()
 *   POST   /api/auth/passkeys/register          {response, name?} → 201 {passkey}
 *   GET    /api/auth/passkeys                   → 200 {passkeys: [...]}
 *   PATCH  /api/auth/passkeys/{id}              {name} → 200 {passkey}
 *   DELETE /api/auth/passkeys/{id}              {password?} → 204
 */

/** A ceremony's answer is a few KB; this leaves room for long credential ids and extensions. */
export const MAX_PASSKEY_BODY_BYTES = 32 * 1024;
const MAX_NAME_FIELD = 1024;

async function caller(request: Request, gh: Gatehouse): Promise<SignedIn> {
  const who = await gh.authenticate(request.headers);
  if (!who) throw new InvalidTokenError('missing', 'no access token');
  return who;
}

const cookieReader = (request: Request) => {
  const header = request.headers.get('cookie');
  return (name: string) => readCookie(header, name).value;
};

/** The wire form of a passkey: snake_case, times as ISO 8601 (UTC). */
export function passkeyJson(p: PasskeyInfo) {
  return {
    id: p.id,
    name: p.name,
    created_at: new Date(p.createdAt).toISOString(),
    last_used_at: p.lastUsedAt === null ? null : new Date(p.lastUsedAt).toISOString(),
    synced: p.synced,
    backed_up: p.backedUp,
  };
}

/** `password` from an optional JSON or form body, for the routes that confirm it is you. */
async function optionalPassword(request: Request): Promise<string | undefined> {
  const { fields } = await readBody(request);
  const password = fields.password;
  if (password !== undefined && password.length > MAX_PASSWORD_LENGTH) {
    throw new InvalidRequestError(`"password" is longer than ${MAX_PASSWORD_LENGTH} characters`);
  }
  return password || undefined;
}

/** The `response` field of a ceremony's last step, as it came (the service checks its shape). */
async function ceremonyBody(request: Request) {
  const body = await readJsonObject(request, MAX_PASSKEY_BODY_BYTES);
  const response = Object.hasOwn(body, 'response') ? body.response : undefined;
  if (response === undefined || response === null) throw new InvalidRequestError('"response" is required');
  return { body, response };
}

/** POST /api/auth/passkeys/login/options — `200` the options; `404 passkeys_not_configured`. */
export async function handlePasskeyLoginOptions(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    return json(await gh.passkeys.authenticationOptions(await gh.requestMeta(request.headers)));
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * POST /api/auth/passkeys/login — JSON `{"response": <the browser's credential>}`. The same answer
 * as POST /api/auth/login: cookies for everyone, the tokens in the body only for non-browser
 * clients. `400 invalid_challenge` (unknown, used, expired), `401 invalid_passkey`, `429`.
 */
export async function handlePasskeyLogin(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const { response } = await ceremonyBody(request);
    const meta = await gh.requestMeta(request.headers);
    const pair = await gh.passkeys.authenticate(response, meta);
    // Signing in over an existing session replaces it rather than leaving it alive unseen.
    const previous = readAuthCookieHeader(request.headers.get('cookie'), gh.config.cookieNames).refresh;
    if (previous) await gh.sessions.logout({ refreshToken: previous }, meta);
    const headers = cookieHeaders(authCookies(gh.config, pair).map(setCookieLine));
    return json(tokenBody(pair, !fromBrowser(request)), { headers });
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * POST /api/auth/passkeys/register/options — optional `password` (JSON or form) when the
 * sign-in is older than five minutes. `200` the options; `401 reauthentication_required`,
 * `401 invalid_credentials`, `409 conflict` (too many passkeys), `429`.
 */
export async function handlePasskeyRegistrationOptions(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const who = await caller(request, gh);
    const password = await optionalPassword(request);
    const meta = await gh.requestMeta(request.headers);
    return json(await gh.passkeys.registrationOptions(who, password, meta, cookieReader(request)));
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * POST /api/auth/passkeys/register — JSON `{"response": <credential>, "name"?: "Work laptop"}`.
 * `201 {"passkey": {...}}`; `400 invalid_challenge`, `400 invalid_name`, `401 invalid_passkey`,
 * `409 conflict` (registered already).
 */
export async function handlePasskeyRegister(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const who = await caller(request, gh);
    const { body, response } = await ceremonyBody(request);
    const name = optionalString(body, 'name', MAX_NAME_FIELD);
    const meta = await gh.requestMeta(request.headers);
    const passkey = await gh.passkeys.register(who, response, name, meta);
    return json({ passkey: passkeyJson(passkey) }, { status: 201 });
  } catch (error) {
    return errorResponse(error);
  }
}

/** GET /api/auth/passkeys — `200 {"passkeys": [...]}`, newest first. */
export async function handleListPasskeys(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const who = await caller(request, gh);
    return json({ passkeys: (await gh.passkeys.list(who)).map(passkeyJson) });
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * PATCH /api/auth/passkeys/{id} — JSON or form `name`. `200 {"passkey": {...}}`; another user's
 * passkey and an unknown id are both `404 not_found`; `400 invalid_name`.
 */
export async function handleRenamePasskey(request: Request, gh: Gatehouse, id: string): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const who = await caller(request, gh);
    const { fields } = await readBody(request);
    const name = fields.name;
    if (name === undefined) throw new InvalidRequestError('"name" is required');
    if (name.length > MAX_NAME_FIELD)
      throw new InvalidRequestError(`"name" is longer than ${MAX_NAME_FIELD} characters`);
    const passkey = await gh.passkeys.rename(who, id, name, await gh.requestMeta(request.headers));
    return json({ passkey: passkeyJson(passkey) });
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * DELETE /api/auth/passkeys/{id} — optional JSON or form `password` when the sign-in is older
 * than five minutes. `204`; `404 not_found`; `401 reauthentication_required`.
 */
export async function handleRemovePasskey(request: Request, gh: Gatehouse, id: string): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const who = await caller(request, gh);
    const password = await optionalPassword(request);
    await gh.passkeys.remove(who, id, password, await gh.requestMeta(request.headers), cookieReader(request));
    return new Response(null, { status: 204, headers: cookieHeaders([]) });
  } catch (error) {
    return errorResponse(error);
  }
}
