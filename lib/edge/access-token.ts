import { SignJWT, jwtVerify, type JWTHeaderParameters } from 'jose';
import { InvalidTokenError, isAuthError } from './errors';
import type { Keyring } from './keys';

/**
 * Access tokens: short-lived HS256 JWTs verified without any I/O. Edge-safe (jose + Web Crypto
 * only) so the middleware and the Node server share this file.
 *
 * The verification policy is fixed here and by configuration, never by the token: one
 * algorithm, our issuer and audience, `typ: at+jwt` (RFC 9068), a kid we know. That is the
 * tutorial's "check the signing method is HMAC", done so that `alg: none`, RS/HS confusion and
 * tokens of other types are refused before any signature math.
 */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_ALG = 'HS256';
/** Far above any token we issue (~400 bytes); refuses oversized input before parsing it. */
export const MAX_TOKEN_LENGTH = 4096;

export interface AccessClaims {
  readonly sub: string;
  readonly sid: string;
  readonly name: string;
  readonly admin: boolean;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  /**
   * How the session was signed in (RFC 8176): `["pwd"]`, `["pwd","otp","mfa"]`,
   * `["hwk","user","mfa"]`. Empty for a token issued before Gatehouse stated it.
   */
  readonly amr: readonly string[];
}

export interface TokenPolicy {
  readonly issuer: string;
  readonly audience: string;
}

export interface SignInput {
  readonly sub: string;
  readonly sid: string;
  readonly name: string;
  readonly admin: boolean;
  readonly jti: string;
  readonly amr: readonly string[];
  /** Issue time, ms since the epoch. */
  readonly now: number;
  /** Expiry, ms since the epoch. */
  readonly expiresAt: number;
}

export function signAccessToken(keyring: Keyring, policy: TokenPolicy, input: SignInput): Promise<string> {
  const header: JWTHeaderParameters = {
    alg: ACCESS_TOKEN_ALG,
    typ: ACCESS_TOKEN_TYPE,
    kid: keyring.current.kid,
  };
  return new SignJWT({ sid: input.sid, name: input.name, admin: input.admin, amr: [...input.amr] })
    .setProtectedHeader(header)
    .setIssuer(policy.issuer)
    .setAudience(policy.audience)
    .setSubject(input.sub)
    .setJti(input.jti)
    .setIssuedAt(Math.floor(input.now / 1000))
    .setExpirationTime(Math.floor(input.expiresAt / 1000))
    .sign(keyring.current.key);
}

export interface VerifyOptions {
  /** "Now", ms since the epoch. */
  readonly now: number;
  /** Seconds a token is still accepted after `exp` (clock skew, render after middleware). */
  readonly clockTolerance?: number;
}

/** Verifies an access token; throws InvalidTokenError (never anything else) on failure. */
export async function verifyAccessToken(
  token: string | undefined | null,
  keyring: Keyring,
  policy: TokenPolicy,
  options: VerifyOptions,
): Promise<AccessClaims> {
  if (!token) throw new InvalidTokenError('missing');
  if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('malformed', 'access token too long');
  const memo = verifiedMemo(keyring);
  const memoKey = `${policy.issuer}\n${policy.audience}\n${token}`;
  const seen = memo.get(memoKey);
  if (seen) {
    // The signature and every time-independent rule held when this exact string was verified;
    // only expiry can have changed since, checked as jose checks it.
    if (seen.exp > Math.floor(options.now / 1000) - (options.clockTolerance ?? 0)) return seen;
    memo.delete(memoKey);
    throw new InvalidTokenError('expired', 'access token expired');
  }

  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(
      token,
      (header) => {
        const key = header.kid === undefined ? undefined : keyring.verification.get(header.kid);
        if (!key) throw new InvalidTokenError('malformed', 'unknown key id');
        return key;
      },
      {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: policy.issuer,
        audience: policy.audience,
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
        currentDate: new Date(options.now),
        clockTolerance: options.clockTolerance ?? 0,
      },
    ));
  } catch (error) {
    if (isAuthError(error)) throw error;
    // jose's stable codes, rather than instanceof, for the same bundling reason as isAuthError.
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_JWT_EXPIRED') {
      throw new InvalidTokenError('expired', 'access token expired', { cause: error });
    }
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
      throw new InvalidTokenError('claims', (error as Error).message, { cause: error });
    }
    throw new InvalidTokenError('malformed', error instanceof Error ? error.message : undefined, {
      cause: error,
    });
  }

  const { sub, sid, name, admin, iat, exp, jti } = payload;
  const amr = payload.amr ?? [];
  if (
    typeof sub !== 'string' ||
    typeof sid !== 'string' ||
    typeof name !== 'string' ||
    typeof admin !== 'boolean' ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    typeof jti !== 'string' ||
    !isAmr(amr)
  ) {
    throw new InvalidTokenError('claims', 'access token claims have the wrong types');
  }
  const claims: AccessClaims = { sub, sid, name, admin, iat, exp, jti, amr };
  // Only what carries nothing the memo would skip (no nbf: we never issue one).
  if (payload.nbf === undefined) remember(memo, memoKey, claims);
  return claims;
}

/** A short list of short strings: what RFC 8176 allows, bounded so a token cannot smuggle a blob. */
function isAmr(value: unknown): value is readonly string[] {
  return (
    Array.isArray(value) &&
    value.length <= 8 &&
    value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 16)
  );
}

/** Whether the token's sign-in had more than one factor (RFC 8176 `mfa`). */
export function hasMfa(claims: { readonly amr: readonly string[] }): boolean {
  return claims.amr.includes('mfa');
}

/**
 * Tokens this process has verified, by their exact string, per keyring. A browser sends the
 * same access token on every request for its whole life, and each request checks it twice
 * (middleware, then auth()); Web Crypto's HMAC costs ~0.1 ms of main-thread work per call under
 * load — measured at 15% of the home page's throughput. A hit needs the identical string, so it
 * cannot be forged; failures are never stored; revocation is checked on every request
 * regardless (lib/edge/revocations.ts). Bounded: the oldest entry goes first.
 */
export const VERIFIED_MEMO_SIZE = 4096;
const memos = new WeakMap<Keyring, Map<string, AccessClaims>>();

function verifiedMemo(keyring: Keyring): Map<string, AccessClaims> {
  let memo = memos.get(keyring);
  if (!memo) memos.set(keyring, (memo = new Map()));
  return memo;
}

function remember(memo: Map<string, AccessClaims>, key: string, claims: AccessClaims): void {
  memo.set(key, claims);
  if (memo.size > VERIFIED_MEMO_SIZE) memo.delete(memo.keys().next().value as string);
}
