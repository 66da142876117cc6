import { eventRecorder } from './audit';
import {
  ConflictError,
  EnrolmentExpiredError,
  InvalidCodeError,
  InvalidMfaTokenError,
  InvalidRequestError,
} from '../edge/errors';
import type { CoreDeps } from './core-deps';
import type { SignedIn } from './gatehouse';
import { hashStepToken, MFA_STEP_TRIES, MFA_TOKEN_SHAPE } from './mfa-steps';
import { confirmItIsYou, RECENT_SIGN_IN, confirmedUser } from './reauthenticate';
import {
  hashRecoveryCode,
  MAX_CODE_LENGTH,
  newRecoveryCodes,
  normalizeRecoveryCode,
  RECOVERY_CODE_COUNT,
} from './recovery-codes';
import { open, seal } from './secret-box';
import type { RequestMeta, TokenPair } from './sessions';
import { parseAmr, type AuthMethod, type TotpFactor, type User } from './store';
import { base32Encode, otpauthUri, TOTP_DIGITS, TOTP_SECRET_BYTES, verifyTotp } from './totp';
import type { SignInAttempt } from './throttle';

/**
 * The authenticator-app second factor (TOTP, RFC 6238) and its recovery codes: turning it on
 * and off from the account, and the second sign-in step that finishes a sign-in the password
 * (or a one-time link) began (lib/auth/mfa-steps.ts). The secret is stored sealed
 * (lib/auth/secret-box.ts); a code works once (the factor's last used step); every code that
 * could be guessed is charged to sign-in's own throttle, device cookie included, before it is
 * checked.
 */
export interface TwoFactor {
  status(signedIn: SignedIn): Promise<TwoFactorStatus>;
  /**
   * A new secret for the user to scan, pending until confirm(): confirmItIsYou first (a
   * sign-in younger than RECENT_SIGN_IN, or the password), so a stolen session cannot enrol its
   * own authenticator. ConflictError when one is on already. Starting again replaces a pending one.
   */
  begin(
    signedIn: SignedIn,
    password: string | undefined,
    meta: RequestMeta,
    readCookie: ReadCookie,
  ): Promise<TotpEnrolment>;
  /**
   * Turns the pending factor on with a code from it, which cannot then be used to sign in;
   * returns ten new recovery codes, shown this once. InvalidCodeError for a wrong code;
   * EnrolmentExpiredError when nothing is pending (or it is older than ENROLMENT_TTL).
   */
  confirm(signedIn: SignedIn, code: string, meta: RequestMeta): Promise<RecoveryCodes>;
  /** Turns it off with a code or an unused recovery code (a password alone is not enough). */
  disable(signedIn: SignedIn, code: string, meta: RequestMeta, readCookie: ReadCookie): Promise<void>;
  /** Ten new recovery codes for a code or an unused recovery code; the earlier ones stop working. */
  regenerateRecoveryCodes(
    signedIn: SignedIn,
    code: string,
    meta: RequestMeta,
    readCookie: ReadCookie,
  ): Promise<RecoveryCodes>;
  /**
   * The second sign-in step: the step token MfaRequiredError carried and a code (or a recovery
   * code). InvalidMfaTokenError when the step is unknown, used, expired or out of tries, or the
   * account was banned, deleted or its password changed since; InvalidCodeError for a wrong or
   * used code (counted like a wrong password); TooManyAttemptsError past sign-in's limits. The
   * token pair, with a device cookie, once every factor has passed.
   */
  completeStep(mfaToken: string, code: string, meta: RequestMeta, readCookie: ReadCookie): Promise<TokenPair>;
}

type ReadCookie = (name: string) => string | undefined;

export interface TwoFactorStatus {
  readonly enabled: boolean;
  /** ms since the epoch */
  readonly enabledAt: number | null;
  /** Unused recovery codes (0 while off). */
  readonly recoveryCodesLeft: number;
  /** Whether begin() needs the password now: this sign-in is older than RECENT_SIGN_IN. */
  readonly needsPassword: boolean;
}

export interface TotpEnrolment {
  /** Base32, for typing into an app that cannot scan. */
  readonly secret: string;
  /** `otpauth://totp/…`, for the QR code. */
  readonly uri: string;
  /** ms since the epoch: confirm() by then. */
  readonly expiresAt: number;
}

export interface RecoveryCodes {
  readonly recoveryCodes: readonly string[];
}

/** Seconds a begun enrolment may be confirmed in. */
export const ENROLMENT_TTL = 600;
/** What the authenticator app lists the account under. */
export const TOTP_ISSUER = 'Gatehouse';

type CodeKind = 'totp' | 'recovery';

const WORDS: Record<CodeKind, string> = { totp: 'authenticator code', recovery: 'recovery code' };
const WITH_WORDS: Record<CodeKind, string> = { totp: 'an authenticator code', recovery: 'a recovery code' };
/** How the first factor reads in the audit trail. */
const FIRST_FACTOR_WORDS: Partial<Record<AuthMethod, string>> = { pwd: 'password' };

/** Sealed secrets are bound to their owner and purpose: copied onto another row, they do not open. */
const boxContext = (userId: string) => `totp-secret\0${userId}`;

/** A code field as given: a string of sane length (its content is judged when it is checked). */
function codeField(code: unknown): string {
  if (typeof code !== 'string' || code.trim().length === 0)
    throw new InvalidRequestError('"code" is required');
  if (code.length > MAX_CODE_LENGTH)
    throw new InvalidRequestError(`"code" is longer than ${MAX_CODE_LENGTH} characters`);
  return code;
}

/** A typed TOTP code without the spaces apps show in the middle ("123 456"). */
const digitsOf = (code: string) => code.replace(/\s/g, '');

export function createTwoFactor(deps: CoreDeps): TwoFactor {
  const { store, keyring, throttle, clock, random, sessions } = deps;

  const event = eventRecorder(store, clock);

  async function enabledFactor(userId: string): Promise<TotpFactor> {
    const factor = await store.findTotp(userId);
    if (!factor || factor.enabledAt === null) throw new ConflictError('no authenticator app is turned on');
    return factor;
  }

  async function openSecret(userId: string, factor: TotpFactor): Promise<Uint8Array | null> {
    const secret = await open(keyring.boxes, factor.sealedSecret, boxContext(userId));
    if (!secret) {
      // Only recovery codes can work for this account until an admin clears the factor.
      console.warn(
        '[gatehouse] an authenticator secret does not open: was AUTH_SECRET changed without listing the old one in AUTH_SECRET_PREVIOUS?',
      );
    }
    return secret;
  }

  /**
   * Uses up a right code: a TOTP code for a step after the last one used (of two requests
   * with one code, one wins), or an unused recovery code. Null for anything else.
   */
  async function useCode(
    user: User,
    factor: TotpFactor,
    code: string,
    now: number,
  ): Promise<CodeKind | null> {
    const digits = digitsOf(code);
    if (digits.length === TOTP_DIGITS && /^\d+$/.test(digits)) {
      const secret = await openSecret(user.id, factor);
      const step = secret ? verifyTotp(secret, digits, now, factor.lastStep) : null;
      return step !== null && (await store.useTotpStep(user.id, step)) ? 'totp' : null;
    }
    const normalized = normalizeRecoveryCode(code);
    if (normalized && (await store.useRecoveryCode(user.id, hashRecoveryCode(normalized), now)))
      return 'recovery';
    return null;
  }

  /**
   * A code checked on sign-in's counters (account, account+address, address, device cookie),
   * charged before it is checked: guessing codes anywhere is guessing at sign-in. A wrong one
   * stays counted and is audited with `failure`; a right one is used up and comes back with its
   * attempt still open, for the caller to settle.
   */
  async function chargeCode(
    user: User,
    factor: TotpFactor,
    code: string,
    meta: RequestMeta,
    readCookie: ReadCookie,
    sessionId: string | null,
    failure: string,
  ): Promise<{ kind: CodeKind; attempt: SignInAttempt }> {
    const attempt = await throttle.begin({
      username: user.username,
      ip: meta.ip,
      readCookie,
      passwordEpoch: user.passwordChangedAt,
    });
    let kind: CodeKind | null;
    try {
      kind = await useCode(user, factor, code, clock());
    } catch (error) {
      await attempt.abandoned();
      throw error;
    }
    if (!kind) {
      await attempt.failed();
      await event('mfa_failed', meta, user.id, sessionId, failure);
      throw new InvalidCodeError();
    }
    return { kind, attempt };
  }

  /** chargeCode from the account page: right, but nothing about the sign-in counters changes for it. */
  async function checkCode(
    user: User,
    factor: TotpFactor,
    code: string,
    meta: RequestMeta,
    readCookie: ReadCookie,
    sessionId: string,
    what: string,
  ): Promise<CodeKind> {
    const { kind, attempt } = await chargeCode(
      user,
      factor,
      code,
      meta,
      readCookie,
      sessionId,
      `wrong or used code (${what})`,
    );
    await attempt.abandoned();
    return kind;
  }

  return {
    async status(signedIn) {
      const user = await confirmedUser(deps, signedIn);
      const [factor, left, session] = await Promise.all([
        store.findTotp(user.id),
        store.countRecoveryCodes(user.id),
        store.findSession(signedIn.session.id),
      ]);
      const enabledAt = factor?.enabledAt ?? null;
      return {
        enabled: enabledAt !== null,
        enabledAt,
        recoveryCodesLeft: enabledAt !== null ? left : 0,
        needsPassword: !session || clock() - session.createdAt > RECENT_SIGN_IN * 1000,
      };
    },

    async begin(signedIn, password, meta, readCookie) {
      const user = await confirmItIsYou(
        deps,
        signedIn,
        password,
        meta,
        readCookie,
        'turning on an authenticator app',
      );
      const secret = random(TOTP_SECRET_BYTES);
      const now = clock();
      const sealed = await seal(keyring.boxes, secret, boxContext(user.id));
      if (!(await store.beginTotp(user.id, sealed, now)))
        throw new ConflictError('an authenticator app is already turned on');
      return {
        secret: base32Encode(secret),
        uri: otpauthUri({ secret, issuer: TOTP_ISSUER, account: user.username }),
        expiresAt: now + ENROLMENT_TTL * 1000,
      };
    },

    async confirm(signedIn, code, meta) {
      const typed = digitsOf(codeField(code));
      const user = await confirmedUser(deps, signedIn);
      const factor = await store.findTotp(user.id);
      const now = clock();
      if (factor?.enabledAt != null) throw new ConflictError('an authenticator app is already turned on');
      if (!factor || now - factor.createdAt > ENROLMENT_TTL * 1000) throw new EnrolmentExpiredError();
      const secret = await openSecret(user.id, factor);
      if (!secret) throw new EnrolmentExpiredError();
      const step = verifyTotp(secret, typed, now, null);
      if (step === null) throw new InvalidCodeError('the code is wrong: enter the one your app shows now');
      const { codes, hashes } = newRecoveryCodes(random);
      // The confirming step counts as used: the code just typed cannot also sign in.
      if (!(await store.enableTotp(user.id, factor.sealedSecret, step, hashes, now)))
        throw new EnrolmentExpiredError();
      await event(
        'mfa_enabled',
        meta,
        user.id,
        signedIn.session.id,
        `authenticator app; ${RECOVERY_CODE_COUNT} recovery codes`,
      );
      return { recoveryCodes: codes };
    },

    async disable(signedIn, code, meta, readCookie) {
      const typed = codeField(code);
      const user = await confirmedUser(deps, signedIn);
      const factor = await enabledFactor(user.id);
      const kind = await checkCode(user, factor, typed, meta, readCookie, signedIn.session.id, 'turning off');
      await store.deleteTotp(user.id);
      await event(
        'mfa_disabled',
        meta,
        user.id,
        signedIn.session.id,
        `authenticator app, with ${WITH_WORDS[kind]}`,
      );
    },

    async regenerateRecoveryCodes(signedIn, code, meta, readCookie) {
      const typed = codeField(code);
      const user = await confirmedUser(deps, signedIn);
      const factor = await enabledFactor(user.id);
      const kind = await checkCode(
        user,
        factor,
        typed,
        meta,
        readCookie,
        signedIn.session.id,
        'new recovery codes',
      );
      const { codes, hashes } = newRecoveryCodes(random);
      await store.replaceRecoveryCodes(user.id, hashes, clock());
      await event(
        'recovery_codes_created',
        meta,
        user.id,
        signedIn.session.id,
        `${RECOVERY_CODE_COUNT} new recovery codes, with ${WITH_WORDS[kind]}; the earlier ones no longer work`,
      );
      return { recoveryCodes: codes };
    },

    async completeStep(mfaToken, code, meta, readCookie) {
      // Shapes first: nothing malformed reaches the database or counts a try.
      if (typeof mfaToken !== 'string' || !MFA_TOKEN_SHAPE.test(mfaToken)) throw new InvalidMfaTokenError();
      const typed = codeField(code);
      const tokenHash = hashStepToken(mfaToken);
      const now = clock();
      const step = await store.tryMfaStep(tokenHash, now, MFA_STEP_TRIES);
      if (!step) throw new InvalidMfaTokenError();
      const user = await store.findUserById(step.userId);
      // Banned, deleted or a new password since the first factor: that sign-in is over.
      if (
        !user ||
        user.deletedAt !== null ||
        user.status !== 'active' ||
        user.passwordChangedAt !== step.passwordEpoch
      ) {
        throw new InvalidMfaTokenError();
      }
      // Cleared meanwhile (by an admin): the step has nothing left to ask; sign in again.
      const factor = await store.findTotp(user.id);
      if (!factor || factor.enabledAt === null) throw new InvalidMfaTokenError();

      // Charged like a password attempt, before the code is checked: wrong codes count against
      // the account, the address and this browser's device cookie alike.
      const { kind, attempt } = await chargeCode(
        user,
        factor,
        typed,
        meta,
        readCookie,
        null,
        'wrong or used code at the second sign-in step',
      );
      // Single use: of two requests with one step (and two right codes), one wins.
      if (!(await store.finishMfaStep(tokenHash, clock()))) {
        await attempt.abandoned();
        throw new InvalidMfaTokenError();
      }
      // Only now, every factor passed: the failure counts reset and the device cookie is minted.
      const device = await attempt.succeeded();
      const first = parseAmr(step.firstFactor);
      const amr = [...new Set<AuthMethod>([...first, 'otp', 'mfa'])];
      const firstWords = first.map((m) => FIRST_FACTOR_WORDS[m] ?? m).join(' + ') || 'first factor';
      const left = kind === 'recovery' ? await store.countRecoveryCodes(user.id) : null;
      const detail =
        left === null ? `${firstWords} + ${WORDS[kind]}` : `${firstWords} + ${WORDS[kind]} (${left} left)`;
      return { ...(await sessions.startSessionFor(user, meta, { amr, detail })), device };
    },
  };
}
