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

/** Configuration is invalid. Lists every problem at once so one restart fixes them all. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `Gatehouse configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
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
