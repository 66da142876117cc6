/**
 * Every failure Gatehouse reports has a stable machine-readable `code` (as jose does) and the
 * HTTP status it maps to, so route handlers never guess and clients can branch on `code`.
 * Messages are for logs and developers; clients should rely on `code` only.
 */
const BRAND = Symbol.for('gatehouse.AuthError');

export class AuthError extends Error {
  /**
   * Next.js may bundle this module more than once (one copy per route chunk), and `instanceof`
   * fails across copies. The global-symbol brand works across all of them: use `isAuthError`.
   */
  readonly [BRAND] = true;
  /** Stable identifier, safe to show to clients and to match in code. */
  readonly code: string = 'auth_error';
  /** HTTP status a route handler answers with. */
  readonly status: number = 400;

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True for any Gatehouse AuthError, from whichever copy of this module threw it. */
export function isAuthError(error: unknown): error is AuthError {
  return typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true;
}

/** True for an AuthError with this code (e.g. 'invalid_grant'). */
export function hasCode<C extends string>(error: unknown, code: C): error is AuthError & { code: C } {
  return isAuthError(error) && error.code === code;
}

/** The request itself is malformed: missing fields, broken JSON, wrong types. */
export class InvalidRequestError extends AuthError {
  override readonly code = 'invalid_request';
  override readonly status = 400;
}

export class UnsupportedMediaTypeError extends AuthError {
  override readonly code = 'unsupported_media_type';
  override readonly status = 415;
}

export class PayloadTooLargeError extends AuthError {
  override readonly code = 'payload_too_large';
  override readonly status = 413;
}

/** Unknown user or wrong password: deliberately indistinguishable. */
export class InvalidCredentialsError extends AuthError {
  override readonly code = 'invalid_credentials';
  override readonly status = 401;
  constructor(message = 'unknown username or wrong password') {
    super(message);
  }
}

/**
 * Why a refresh token was refused. Never sent to clients (they only see `invalid_grant`);
 * recorded in the audit trail and useful in tests.
 */
export type InvalidGrantReason =
  | 'malformed'
  | 'unknown_session'
  | 'subject_mismatch'
  | 'revoked'
  | 'idle_expired'
  | 'absolute_expired'
  | 'user_inactive'
  | 'reuse_detected';

/** The refresh token cannot be used, whatever the reason (OAuth 2.0's `invalid_grant`). */
export class InvalidGrantError extends AuthError {
  override readonly code = 'invalid_grant';
  override readonly status = 401;
  readonly reason: InvalidGrantReason;

  constructor(reason: InvalidGrantReason, message?: string, options?: { cause?: unknown }) {
    super(message ?? `refresh token rejected: ${reason}`, options);
    this.reason = reason;
  }
}

export type InvalidTokenReason = 'missing' | 'malformed' | 'expired' | 'claims' | 'revoked';

/** The access token is missing, malformed, forged, of the wrong type or expired (RFC 6750). */
export class InvalidTokenError extends AuthError {
  override readonly code = 'invalid_token';
  override readonly status = 401;
  readonly reason: InvalidTokenReason;

  constructor(reason: InvalidTokenReason, message?: string, options?: { cause?: unknown }) {
    super(message ?? `access token rejected: ${reason}`, options);
    this.reason = reason;
  }
}

/** Signed in, but not allowed (e.g. a non-admin at an admin route). */
export class ForbiddenError extends AuthError {
  override readonly code = 'forbidden';
  override readonly status = 403;
}

/** A state-changing request from another origin (CSRF). */
export class CrossOriginError extends AuthError {
  override readonly code = 'cross_origin_request';
  override readonly status = 403;
}

/**
 * Configuration is invalid. Lists every problem at once so one restart fixes them all. A
 * start-up failure, never a request's: the status is for completeness.
 */
export class ConfigError extends AuthError {
  override readonly code = 'invalid_config';
  override readonly status = 500;
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Gatehouse configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** A start that must not serve: demo accounts left in production, a bare `next start`. */
export class StartupRefusedError extends AuthError {
  override readonly code = 'startup_refused';
  override readonly status = 500;
}

/**
 * Too many failed attempts for this account, address or device: refused before any password
 * is hashed. `retryAfter` (seconds) becomes the Retry-After header.
 */
export class TooManyAttemptsError extends AuthError {
  override readonly code = 'too_many_attempts';
  override readonly status = 429;
  readonly retryAfter: number;
  constructor(retryAfter: number, message = 'too many attempts; try again later') {
    super(message);
    this.retryAfter = Math.max(1, Math.ceil(retryAfter));
  }
}

/**
 * Every password-hashing slot and the short queue behind them are taken: answered 503 with
 * Retry-After instead of letting a flood take the memory and CPU from signed-in users.
 */
export class ServerBusyError extends AuthError {
  override readonly code = 'server_busy';
  override readonly status = 503;
  readonly retryAfter: number;
  constructor(retryAfter = 1, message = 'the server is busy; try again shortly') {
    super(message);
    this.retryAfter = Math.max(1, Math.ceil(retryAfter));
  }
}

/** A password that the policy refuses (too short, too long, the username, a common one). */
export class WeakPasswordError extends AuthError {
  override readonly code = 'weak_password';
  override readonly status = 400;
}

/** The token endpoint only knows `grant_type=refresh_token` (or none). */
export class UnsupportedGrantTypeError extends AuthError {
  override readonly code = 'unsupported_grant_type';
  override readonly status = 400;
}

/**
 * Something Gatehouse needs did not answer: the database (down, restarting, out of
 * connections), or the token endpoint the middleware relies on. Not "signed out": the session
 * may be perfectly fine, so pages show "try again" and keep the cookies, and routes answer 503
 * with OAuth's `temporarily_unavailable` (RFC 6749 §4.1.2.1).
 */
export class UnavailableError extends AuthError {
  override readonly code = 'temporarily_unavailable';
  override readonly status = 503;
  readonly retryAfter: number;
  /**
   * React hands a server component's error to the error boundary with its message stripped in
   * production but its `digest` kept: this one lets app/error.tsx show the "try again" view.
   */
  readonly digest = UNAVAILABLE_DIGEST;
  constructor(message = 'a service Gatehouse needs did not answer', options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options);
    this.retryAfter = Math.max(1, Math.ceil(options?.retryAfter ?? 2));
  }
}

/** `error.digest` of an UnavailableError, as a client error boundary sees it. */
export const UNAVAILABLE_DIGEST = 'GATEHOUSE_UNAVAILABLE';

/** Account administration (the users command, the admin console): the name is taken. */
export class UsernameTakenError extends AuthError {
  override readonly code = 'username_taken';
  override readonly status = 409;
  constructor(username: string) {
    super(`username "${username}" is already taken`);
  }
}

/** The change would leave no active admin (ban, delete or demote the last one). */
export class LastAdminError extends AuthError {
  override readonly code = 'last_admin';
  override readonly status = 409;
  constructor(message = 'the last active admin cannot be banned, deleted or demoted') {
    super(message);
  }
}

/** An admin may not ban, delete or demote their own account (someone else must). */
export class SelfActionError extends AuthError {
  override readonly code = 'self_action';
  override readonly status = 409;
  constructor(message = 'admins cannot ban, delete or demote their own account') {
    super(message);
  }
}

/** Nothing of that id that the caller may see (another user's session answers the same). */
export class NotFoundError extends AuthError {
  override readonly code = 'not_found';
  override readonly status = 404;
}

/** A one-time password link that is unknown, used, expired or for an account that cannot use it. */
export class InvalidLinkError extends AuthError {
  override readonly code = 'invalid_link';
  override readonly status = 400;
  constructor(message = 'this link is not valid (any more)') {
    super(message);
  }
}

/** Account administration: no (live) user by that name or id. */
export class UnknownUserError extends AuthError {
  override readonly code = 'unknown_user';
  override readonly status = 404;
}

/** Account administration: a username outside the allowed alphabet or length. */
export class InvalidUsernameError extends AuthError {
  override readonly code = 'invalid_username';
  override readonly status = 400;
}

/** Account administration: an empty, overlong or unprintable display name. */
export class InvalidNameError extends AuthError {
  override readonly code = 'invalid_name';
  override readonly status = 400;
}

/** The users command was called wrongly (unknown verb or option, missing argument). */
export class UsageError extends AuthError {
  override readonly code = 'usage';
  override readonly status = 400;
}

/**
 * The password was right and the account has a second factor: there is no session yet. The
 * caller finishes with the code at the second step (POST /api/auth/mfa, the /login/verify
 * page), naming this step by `mfaToken`. Thrown rather than returned, so a sign-in path that
 * forgets the second factor hands out nothing.
 */
export class MfaRequiredError extends AuthError {
  override readonly code = 'mfa_required';
  override readonly status = 401;
  /** The second step's token (only its hash is stored). */
  readonly mfaToken: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
  /** Seconds the step lasts from now (OAuth-style `expires_in`). */
  readonly expiresIn: number;
  constructor(mfaToken: string, expiresAt: number, expiresIn: number, message = 'a second factor is required') {
    super(message);
    this.mfaToken = mfaToken;
    this.expiresAt = expiresAt;
    this.expiresIn = expiresIn;
  }
}

/** The second step's token is unknown, used, expired or out of tries: sign in again. */
export class InvalidMfaTokenError extends AuthError {
  override readonly code = 'invalid_mfa_token';
  override readonly status = 401;
  constructor(message = 'this sign-in step is over; sign in again') {
    super(message);
  }
}

/** A wrong, reused or malformed authenticator code or recovery code. */
export class InvalidCodeError extends AuthError {
  override readonly code = 'invalid_code';
  override readonly status = 401;
  constructor(message = 'the code is wrong or has been used') {
    super(message);
  }
}

/**
 * Signed in, but not strongly enough for this (RFC 9470's `insufficient_user_authentication`):
 * the page or route wants a sign-in with a second factor (`amr` containing `mfa`).
 */
export class InsufficientAuthenticationError extends AuthError {
  override readonly code = 'insufficient_user_authentication';
  override readonly status = 401;
  constructor(message = 'sign in again with a second factor') {
    super(message);
  }
}

/**
 * A change to how the account signs in (adding a passkey, turning on a second factor) from a
 * sign-in older than a few minutes, without the password: confirm it is still you.
 */
export class ReauthenticationRequiredError extends AuthError {
  override readonly code = 'reauthentication_required';
  override readonly status = 401;
  constructor(message = 'enter your password (or sign in again) to do this') {
    super(message);
  }
}

/** A WebAuthn challenge that is unknown, used already, expired or of another ceremony. */
export class InvalidChallengeError extends AuthError {
  override readonly code = 'invalid_challenge';
  override readonly status = 400;
  constructor(message = 'the passkey request has expired; try again') {
    super(message);
  }
}

/**
 * A passkey response that does not verify: unknown credential, wrong origin or RP, no user
 * verification, a bad signature, or a signature counter that went backwards (a cloned key).
 */
export class InvalidPasskeyError extends AuthError {
  override readonly code = 'invalid_passkey';
  override readonly status = 401;
  constructor(message = 'the passkey could not be verified') {
    super(message);
  }
}

/** Turning on a second factor that is already on (or off one that is not). */
export class ConflictError extends AuthError {
  override readonly code = 'conflict';
  override readonly status = 409;
}

/** Confirming an authenticator app with nothing pending: the enrolment was never begun, has expired or was replaced. */
export class EnrolmentExpiredError extends AuthError {
  override readonly code = 'enrolment_expired';
  override readonly status = 409;
  constructor(message = 'start turning on the authenticator app again') {
    super(message);
  }
}

/**
 * Passkeys are off on this server (no usable AUTH_PUBLIC_URL: lib/auth/relying-party.ts): answered as a 404 with its own code,
 * before anything is stored or counted.
 */
export class PasskeysNotConfiguredError extends AuthError {
  override readonly code = 'passkeys_not_configured';
  override readonly status = 404;
}
