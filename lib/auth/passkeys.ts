import { eventRecorder } from './audit';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  type VerifiedAuthenticationResponse,
  type VerifiedRegistrationResponse,
} from '@simplewebauthn/server';
import {
  ConflictError,
  InvalidChallengeError,
  InvalidPasskeyError,
  hasCode,
  isAuthError,
  NotFoundError,
} from '../edge/errors';
import { base64url } from '../edge/random';
import type { CoreDeps } from './core-deps';
import type { SignedIn } from './gatehouse';
import { defaultPasskeyName, passkeyName } from './passkey-name';
import {
  challengeOf,
  MAX_CREDENTIAL_ID_LENGTH,
  parseAuthenticationResponse,
  parseRegistrationResponse,
} from './passkey-response';
import { confirmItIsYou, confirmedUser } from './reauthenticate';
import { PasskeysNotConfiguredError } from '../edge/errors';
import { relyingPartyOf, type RelyingParty } from './relying-party';
import type { RequestMeta, SignInMethod, TokenPair } from './sessions';
import type { ChallengePurpose, Passkey, User, WebAuthnChallenge } from './store';

/**
 * Passkeys (WebAuthn, through @simplewebauthn/server): adding them to a signed-in account, and
 * signing in with one, without a username (discoverable credentials). A passkey sign-in starts
 * the same session as a password sign-in (sessions.startSessionFor: same tokens, cookies,
 * rotation, audit), with `amr` saying how: the authenticator verified the person (PIN,
 * biometrics) and holds the key, which is two factors, so it never goes to the TOTP step.
 *
 * The rules:
 *  - The relying party comes from AUTH_PUBLIC_URL (relying-party.ts), never from the request.
 *    Without one, every method throws PasskeysNotConfiguredError (404 passkeys_not_configured).
 *  - Challenges are random, stored (any instance can finish a ceremony another began), live
 *    CHALLENGE_TTL seconds, and are taken out by the first response that names them, whether it
 *    then verifies or not: one challenge, one try.
 *  - User verification is required in both ceremonies.
 *  - The signature counter must grow whenever either side has one (a counter that goes back is
 *    a cloned authenticator), and a passkey cannot change from device-bound to synced or back.
 *  - Every refused sign-in is audited (passkey_failed, with the reason) and counted per address
 *    (throttle.passkeyFailed: AUTH_THROTTLE_REFRESH's limit, on a counter of its own), so a
 *    script cannot use the endpoint as a free oracle or a free database load.
 *  - Adding or removing a passkey needs a sign-in younger than five minutes or the password
 *    again (reauthenticate.ts): a stolen session must not add a way back in for itself.
 */
export interface Passkeys {
  /** Why passkeys are off on this server (no usable AUTH_PUBLIC_URL); null when they work. */
  readonly unavailable: string | null;
  /**
   * Options for navigator.credentials.create() to add a passkey to the caller's account, after
   * confirmItIsYou (ReauthenticationRequiredError without a recent sign-in or the password).
   * ConflictError when the account has MAX_PASSKEYS already.
   */
  registrationOptions(
    signedIn: SignedIn,
    password: string | undefined,
    meta: RequestMeta,
    readCookie: (name: string) => string | undefined,
  ): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /**
   * Verifies the browser's answer to those options and stores the passkey under `name` (or a
   * name from the browser's user agent). InvalidChallengeError when its challenge is unknown,
   * used, expired or another session's; InvalidPasskeyError when it does not verify.
   */
  register(
    signedIn: SignedIn,
    response: unknown,
    name: string | undefined,
    meta: RequestMeta,
  ): Promise<PasskeyInfo>;
  /** Options for navigator.credentials.get(): any passkey of this site, user verification required. */
  authenticationOptions(meta: RequestMeta): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /**
   * Signs in with the browser's answer: a new session and its tokens, as a password sign-in
   * gives. InvalidChallengeError / InvalidPasskeyError (audited, counted); TooManyAttemptsError
   * once this address has failed too often.
   */
  authenticate(response: unknown, meta: RequestMeta): Promise<TokenPair>;
  /** The caller's passkeys, newest first. */
  list(signedIn: SignedIn): Promise<PasskeyInfo[]>;
  /** NotFoundError unless it is the caller's; InvalidNameError for an unusable name. */
  rename(signedIn: SignedIn, id: string, name: string, meta: RequestMeta): Promise<PasskeyInfo>;
  /**
   * NotFoundError unless it is the caller's; then as registrationOptions, confirmItIsYou.
   * Returns the passkey as it was.
   */
  remove(
    signedIn: SignedIn,
    id: string,
    password: string | undefined,
    meta: RequestMeta,
    readCookie: (name: string) => string | undefined,
  ): Promise<PasskeyInfo>;
}

/** A passkey as its owner sees it: no key material. */
export interface PasskeyInfo {
  /** The credential id (base64url). */
  readonly id: string;
  readonly name: string;
  /** ms since the epoch */
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  /** Synced between the person's devices by their platform (backup eligible), or bound to one authenticator. */
  readonly synced: boolean;
  /** Whether it was backed up when last seen. */
  readonly backedUp: boolean;
}

/** Seconds a challenge can be answered. Browsers time the ceremony out sooner (CEREMONY_TIMEOUT). */
export const CHALLENGE_TTL = 300;

/**
 * The signature algorithms a passkey may use: EdDSA, ES256, RS256 — named here rather than left
 * to the library, whose default adds ML-DSA-44 on runtimes that have it (Node 24, not Node 20).
 * A passkey made through a Node 24 instance would then fail on a Node 20 one of the same
 * cluster, and its 2.4 KB signatures on every sign-in. Every authenticator offers ES256.
 */
export const PASSKEY_ALGORITHMS: readonly number[] = [
  -8, // EdDSA
  -7, // ES256
  -257, // RS256
];
/** Seconds the browser gives the person to answer their authenticator. */
export const CEREMONY_TIMEOUT = 120;
/** Passkeys one account may have: plenty for people, a bound on rows for a script. */
export const MAX_PASSKEYS = 20;
const CHALLENGE_BYTES = 32;

const toInfo = (p: Passkey): PasskeyInfo => ({
  id: p.id,
  name: p.name,
  createdAt: p.createdAt,
  lastUsedAt: p.lastUsedAt,
  synced: p.deviceType === 'multiDevice',
  backedUp: p.backedUp,
});

/** The WebAuthn user handle for an account: its id's bytes (never the username, which can change). */
const userHandleOf = (user: Pick<User, 'id'>) => new TextEncoder().encode(user.id).slice();

/** base64url to bytes the library takes (a Uint8Array over an ArrayBuffer of its own). */
const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));

/** How the token and the audit trail say a passkey sign-in happened (RFC 8176). */
function signInMethod(passkey: Passkey): SignInMethod {
  return passkey.deviceType === 'multiDevice'
    ? { amr: ['swk', 'user', 'mfa'], detail: 'passkey (synced)' }
    : { amr: ['hwk', 'user', 'mfa'], detail: 'passkey (device-bound)' };
}

/** Ids are base64url of at most 1023 bytes; anything else is nobody's passkey (and never looked up). */
const isCredentialIdShaped = (id: string) =>
  id.length > 0 && id.length <= MAX_CREDENTIAL_ID_LENGTH && /^[A-Za-z0-9_-]+$/.test(id);

export function createPasskeys(deps: CoreDeps): Passkeys {
  const { config, store, clock, random, throttle, sessions } = deps;
  const setting = relyingPartyOf(config);

  function relyingParty(): RelyingParty {
    if (!setting.ok) throw new PasskeysNotConfiguredError(setting.reason);
    return setting.rp;
  }

  const event = eventRecorder(store, clock);

  /** A fresh challenge, stored for whichever instance gets the answer; its bytes for the library. */
  async function newChallenge(purpose: ChallengePurpose, owner: SignedIn | null) {
    const bytes = random(CHALLENGE_BYTES).slice();
    const now = clock();
    await store.createChallenge({
      challenge: base64url(bytes),
      purpose,
      userId: owner?.user.id ?? null,
      sessionId: owner?.session.id ?? null,
      createdAt: now,
      expiresAt: now + CHALLENGE_TTL * 1000,
    });
    return bytes;
  }

  /** Takes the challenge the response signed out of the store: from here on it is spent. */
  async function takeChallenge(
    clientDataJSON: string,
    purpose: ChallengePurpose,
  ): Promise<WebAuthnChallenge> {
    const taken = await store.takeChallenge(challengeOf(clientDataJSON), purpose, clock());
    if (!taken) throw new InvalidChallengeError();
    return taken;
  }

  async function ownPasskey(signedIn: SignedIn, id: string): Promise<Passkey> {
    const passkey = isCredentialIdShaped(id) ? await store.findPasskey(id) : null;
    if (!passkey || passkey.userId !== signedIn.user.id) throw new NotFoundError('no such passkey');
    return passkey;
  }

  async function addPasskey(
    user: User,
    signedIn: SignedIn,
    response: RegistrationResponseJSON,
    name: string,
    meta: RequestMeta,
    attempt: Attempt,
  ): Promise<PasskeyInfo> {
    attempt.reason = 'unknown, used or expired challenge';
    const challenge = await takeChallenge(response.response.clientDataJSON, 'register');
    if (challenge.userId !== user.id || challenge.sessionId !== signedIn.session.id) {
      attempt.reason = 'the challenge was given to another session';
      throw new InvalidChallengeError();
    }
    attempt.reason = 'response did not verify';
    const info = await verifyAttestation(response, challenge, relyingParty());
    attempt.reason = 'too many passkeys';
    if ((await store.listPasskeys(user.id)).length >= MAX_PASSKEYS) throw tooMany();
    const passkey: Omit<Passkey, 'lastUsedAt'> = {
      id: info.credential.id,
      userId: user.id,
      publicKey: base64url(info.credential.publicKey),
      counter: info.credential.counter,
      transports: response.response.transports ?? [],
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      name,
      createdAt: clock(),
    };
    attempt.reason = 'registered already';
    if (!(await store.createPasskey(passkey))) throw new ConflictError('this passkey is registered already');
    const kind = passkey.deviceType === 'multiDevice' ? 'synced' : 'device-bound';
    await event('passkey_added', meta, user.id, signedIn.session.id, `"${name}" (${kind})`);
    return toInfo({ ...passkey, lastUsedAt: null });
  }

  async function signIn(input: unknown, meta: RequestMeta, attempt: Attempt): Promise<TokenPair> {
    const response = parseAuthenticationResponse(input);
    attempt.reason = 'unknown, used or expired challenge';
    const challenge = await takeChallenge(response.response.clientDataJSON, 'authenticate');

    attempt.reason = 'unknown passkey';
    const passkey = await store.findPasskey(response.id);
    if (!passkey) throw new InvalidPasskeyError('this passkey is not registered (any more)');
    attempt.userId = passkey.userId;
    attempt.reason = 'account disabled';
    const user = await store.findUserById(passkey.userId);
    if (!user || user.deletedAt !== null || user.status !== 'active') throw new InvalidPasskeyError();
    attempt.reason = 'user handle does not match the passkey';
    const { userHandle } = response.response;
    if (userHandle !== undefined && userHandle !== base64url(userHandleOf(user))) {
      throw new InvalidPasskeyError();
    }

    attempt.reason = 'response did not verify';
    const info = await verifyAssertion(response, challenge, passkey, relyingParty());
    const counter = info.newCounter;
    if ((counter > 0 || passkey.counter > 0) && counter <= passkey.counter) {
      attempt.reason = `signature counter went from ${passkey.counter} to ${counter}: a cloned authenticator?`;
      throw new InvalidPasskeyError();
    }
    if (info.credentialDeviceType !== passkey.deviceType) {
      attempt.reason = `backup eligibility changed (registered ${passkey.deviceType}, now ${info.credentialDeviceType})`;
      throw new InvalidPasskeyError();
    }
    attempt.reason = 'used by another sign-in at the same moment';
    const used = await store.usePasskey(passkey.id, {
      expectedCounter: passkey.counter,
      counter,
      backedUp: info.credentialBackedUp,
      now: clock(),
    });
    if (!used) throw new InvalidPasskeyError();

    attempt.reason = 'account disabled';
    try {
      return await sessions.startSessionFor(user, meta, signInMethod(passkey));
    } catch (error) {
      // Banned or deleted between the check above and the session's insert.
      if (hasCode(error, 'invalid_credentials')) throw new InvalidPasskeyError();
      throw error;
    }
  }

  /** Runs a ceremony's last step; a refusal is audited as `passkey_failed` with how far it got. */
  async function audited<T>(
    meta: RequestMeta,
    attempt: Attempt,
    what: string,
    sessionId: string | null,
    step: () => Promise<T>,
  ): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (isAuthError(error) && error.status < 500) {
        await event('passkey_failed', meta, attempt.userId, sessionId, `${what}: ${attempt.reason}`);
      }
      throw error;
    }
  }

  return {
    unavailable: setting.ok ? null : setting.reason,

    async registrationOptions(signedIn, password, meta, readCookie) {
      const rp = relyingParty();
      const user = await confirmItIsYou(deps, signedIn, password, meta, readCookie, 'adding a passkey');
      // The spec's limit on user handles; Gatehouse's ids are 22 characters.
      if (userHandleOf(user).length > 64)
        throw new Error('user ids must fit a WebAuthn user handle (64 bytes)');
      const existing = await store.listPasskeys(user.id);
      if (existing.length >= MAX_PASSKEYS) throw tooMany();
      return generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.username,
        userID: userHandleOf(user),
        userDisplayName: user.displayName,
        challenge: await newChallenge('register', signedIn),
        timeout: CEREMONY_TIMEOUT * 1000,
        attestationType: 'none',
        // The authenticators already registered refuse to make a second passkey for this account.
        excludeCredentials: existing.map((p) => ({ id: p.id, transports: [...p.transports] })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        supportedAlgorithmIDs: [...PASSKEY_ALGORITHMS],
      });
    },

    async register(signedIn, input, rawName, meta) {
      relyingParty();
      const user = await confirmedUser(deps, signedIn);
      // What can be refused without spending the challenge is checked before it is taken.
      const response = parseRegistrationResponse(input);
      const name = rawName?.trim() ? passkeyName(rawName) : defaultPasskeyName(meta.userAgent);
      const attempt: Attempt = { userId: user.id, reason: '' };
      return audited(meta, attempt, 'adding a passkey', signedIn.session.id, () =>
        addPasskey(user, signedIn, response, name, meta, attempt),
      );
    },

    async authenticationOptions() {
      const rp = relyingParty();
      return generateAuthenticationOptions({
        rpID: rp.id,
        // Empty: the person picks any passkey of this site; the credential names the account.
        allowCredentials: [],
        userVerification: 'required',
        timeout: CEREMONY_TIMEOUT * 1000,
        challenge: await newChallenge('authenticate', null),
      });
    },

    async authenticate(input, meta) {
      relyingParty();
      // Before any work: an address that keeps failing gets 429, not another database read.
      await throttle.checkPasskey(meta.ip);
      const attempt: Attempt = { userId: null, reason: 'malformed response' };
      try {
        return await audited(meta, attempt, 'sign-in', null, () => signIn(input, meta, attempt));
      } catch (error) {
        if (isAuthError(error) && error.status < 500) await throttle.passkeyFailed(meta.ip);
        throw error;
      }
    },

    async list(signedIn) {
      await confirmedUser(deps, signedIn);
      return (await store.listPasskeys(signedIn.user.id)).map(toInfo);
    },

    async rename(signedIn, id, rawName, meta) {
      await confirmedUser(deps, signedIn);
      const name = passkeyName(rawName);
      const passkey = await ownPasskey(signedIn, id);
      if (!(await store.renamePasskey(signedIn.user.id, passkey.id, name))) throw notFound();
      const detail = `"${passkey.name}" renamed "${name}"`;
      await event('passkey_renamed', meta, signedIn.user.id, signedIn.session.id, detail);
      return toInfo({ ...passkey, name });
    },

    async remove(signedIn, id, password, meta, readCookie) {
      await confirmedUser(deps, signedIn);
      // Someone else's passkey (or none) is refused before a password is checked or counted.
      const passkey = await ownPasskey(signedIn, id);
      await confirmItIsYou(deps, signedIn, password, meta, readCookie, 'removing a passkey');
      if (!(await store.deletePasskey(signedIn.user.id, passkey.id))) throw notFound();
      await event('passkey_removed', meta, signedIn.user.id, signedIn.session.id, `"${passkey.name}"`);
      return toInfo(passkey);
    },
  };
}

/** What a refused ceremony is audited as, filled in as its checks get further. */
interface Attempt {
  userId: string | null;
  reason: string;
}

const notFound = () => new NotFoundError('no such passkey');
const tooMany = () => new ConflictError(`an account can have ${MAX_PASSKEYS} passkeys; remove one first`);

/** A library refusal, logged for the operator, answered with one stable code. */
function notVerified(error: unknown): InvalidPasskeyError {
  console.warn(`[gatehouse] passkey not verified: ${error instanceof Error ? error.message : String(error)}`);
  return new InvalidPasskeyError();
}

/** A new passkey's attestation, checked by the library against our challenge, origin and RP. */
async function verifyAttestation(
  response: RegistrationResponseJSON,
  challenge: WebAuthnChallenge,
  rp: RelyingParty,
) {
  let verification: VerifiedRegistrationResponse;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: [...PASSKEY_ALGORITHMS],
    });
  } catch (error) {
    throw notVerified(error);
  }
  if (!verification.verified) throw notVerified('the attestation does not verify');
  const info = verification.registrationInfo;
  // The id the browser reported must be the one the authenticator attested.
  if (info.credential.id !== response.id)
    throw notVerified('the credential id differs from the attested one');
  if (!info.userVerified) throw notVerified('no user verification');
  return info;
}

/** A sign-in's assertion, checked by the library: challenge, origin, RP, flags, signature. */
async function verifyAssertion(
  response: AuthenticationResponseJSON,
  challenge: WebAuthnChallenge,
  passkey: Passkey,
  rp: RelyingParty,
) {
  let verification: VerifiedAuthenticationResponse;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: {
        id: passkey.id,
        publicKey: bytesOf(passkey.publicKey),
        // The library compares counters before it checks the signature, so a forged response
        // with a low counter would read as a clone there. The caller compares the stored counter
        // once the signature has proven the response came from the key.
        counter: 0,
        transports: [...passkey.transports],
      },
    });
  } catch (error) {
    throw notVerified(error);
  }
  if (!verification.verified) throw notVerified('the signature does not verify');
  if (!verification.authenticationInfo.userVerified) throw notVerified('no user verification');
  return verification.authenticationInfo;
}
