import type { Gatehouse, SignedIn } from '../../auth/gatehouse';
import { ENROLMENT_TTL } from '../../auth/two-factor';
import { readCookie } from '../../edge/cookies';
import { InvalidTokenError } from '../../edge/errors';
import { assertSameOrigin } from '../../edge/origin';
import { readBody } from '../body';
import { cookieHeaders } from '../cookies';
import { errorResponse, json } from '../responses';

/**
 * The authenticator-app API: a signed-in user's own second factor. The caller is who the
 * bearer token or the access cookie says; the service confirms the session in the database.
 * Every write is refused cross-origin (403). Codes are `code`: 6 digits, or for turning off and
 * new recovery codes also a recovery code; wrong ones are `401 invalid_code`, counted on
 * sign-in's throttle (`429` past it).
 *
 *   GET    /api/auth/totp                 200 {enabled, enabled_at, recovery_codes_left, password_required}
 *   POST   /api/auth/totp                 {password?}  200 {secret, otpauth_uri, expires_in}
 *   POST   /api/auth/totp/confirm         {code}       200 {recovery_codes}
 *   POST   /api/auth/totp/recovery-codes  {code}       200 {recovery_codes}
 *   DELETE /api/auth/totp                 {code}       204
 */
async function caller(request: Request, gh: Gatehouse): Promise<SignedIn> {
  const who = await gh.authenticate(request.headers);
  if (!who) throw new InvalidTokenError('missing', 'no access token');
  return who;
}

/** A write: same origin, signed in, with its body's fields and the caller's request details. */
async function write(request: Request, gh: Gatehouse) {
  assertSameOrigin(request, gh.config.publicUrl);
  const who = await caller(request, gh);
  const { fields } = await readBody(request);
  const cookie = request.headers.get('cookie');
  return {
    who,
    fields,
    meta: await gh.requestMeta(request.headers),
    readCookie: (name: string) => readCookie(cookie, name).value,
  };
}

/** GET /api/auth/totp — whether it is on, and whether turning it on needs the password now. */
export async function handleTotpStatus(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const status = await gh.twoFactor.status(await caller(request, gh));
    return json({
      enabled: status.enabled,
      enabled_at: status.enabledAt === null ? null : new Date(status.enabledAt).toISOString(),
      recovery_codes_left: status.recoveryCodesLeft,
      password_required: status.needsPassword,
    });
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * POST /api/auth/totp — JSON or form, optional `password` (required when the sign-in is older
 * than 5 minutes: `401 reauthentication_required` without it). A new secret, pending until
 * confirmed: `200 {secret (base32), otpauth_uri, expires_in}`; `409 conflict` when one is on.
 */
export async function handleTotpBegin(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const { who, fields, meta, readCookie } = await write(request, gh);
    const enrolment = await gh.twoFactor.begin(who, fields.password || undefined, meta, readCookie);
    return json({ secret: enrolment.secret, otpauth_uri: enrolment.uri, expires_in: ENROLMENT_TTL });
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * POST /api/auth/totp/confirm — `code` from the new secret. `200 {recovery_codes: [10]}`, shown
 * this once; `409 enrolment_expired` when nothing is pending (start again).
 */
export async function handleTotpConfirm(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const { who, fields, meta } = await write(request, gh);
    const { recoveryCodes } = await gh.twoFactor.confirm(who, fields.code ?? '', meta);
    return json({ recovery_codes: recoveryCodes });
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST /api/auth/totp/recovery-codes — `code`. Ten new codes; the earlier ones stop working. */
export async function handleRecoveryCodes(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const { who, fields, meta, readCookie } = await write(request, gh);
    const { recoveryCodes } = await gh.twoFactor.regenerateRecoveryCodes(
      who,
      fields.code ?? '',
      meta,
      readCookie,
    );
    return json({ recovery_codes: recoveryCodes });
  } catch (error) {
    return errorResponse(error);
  }
}

/** DELETE /api/auth/totp — `code` (or a recovery code); a password alone is not enough. `204`. */
export async function handleTotpDisable(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const { who, fields, meta, readCookie } = await write(request, gh);
    await gh.twoFactor.disable(who, fields.code ?? '', meta, readCookie);
    return new Response(null, { status: 204, headers: cookieHeaders([]) });
  } catch (error) {
    return errorResponse(error);
  }
}
