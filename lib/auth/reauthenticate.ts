import {
  InvalidCredentialsError,
  InvalidRequestError,
  InvalidTokenError,
  ReauthenticationRequiredError,
} from '../edge/errors';
import type { CoreDeps } from './core-deps';
import type { SignedIn } from './gatehouse';
import { MAX_PASSWORD_LENGTH } from './passwords';
import type { RequestMeta } from './sessions';
import type { User } from './store';
import type { SignInAttempt } from './throttle';

/**
 * "Is it still you?" for changes to how an account signs in (a new password, a passkey, an
 * authenticator app): a stolen session must not be able to lock the owner out or add a way
 * back in for itself. Either the session's sign-in is younger than RECENT_SIGN_IN, or the
 * password is given again, checked on sign-in's own counters.
 */
export const RECENT_SIGN_IN = 300;

type Deps = Pick<CoreDeps, 'store' | 'hasher' | 'throttle' | 'clock' | 'sessions'>;

/**
 * Checks `password` against the user's, charged to sign-in's counters (and the browser's
 * device cookie) before it is hashed: guessing here is guessing at the sign-in form.
 * InvalidCredentialsError (counted, audited as `detail`) when wrong; TooManyAttemptsError past
 * the limits. When right, the attempt is returned open: the caller settles it (succeeded()
 * after a password change, abandoned() otherwise).
 */
export async function checkPasswordAgain(
  deps: Deps,
  user: User,
  password: string,
  meta: RequestMeta,
  readCookie: (name: string) => string | undefined,
  context: { readonly sessionId: string | null; readonly detail: string },
): Promise<SignInAttempt> {
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    throw new InvalidRequestError(`the password must have 1 to ${MAX_PASSWORD_LENGTH} characters`);
  }
  const attempt = await deps.throttle.begin({
    username: user.username,
    ip: meta.ip,
    readCookie,
    passwordEpoch: user.passwordChangedAt,
  });
  let passwordOk: boolean;
  try {
    passwordOk = await deps.hasher.verify(user.passwordHash, password);
  } catch (error) {
    // A busy hasher tested nothing: refunded, as at sign-in.
    await attempt.abandoned();
    throw error;
  }
  if (!passwordOk) {
    await attempt.failed();
    await deps.store.recordEvent({
      at: deps.clock(),
      type: 'login_failed',
      userId: user.id,
      sessionId: context.sessionId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: context.detail,
    });
    throw new InvalidCredentialsError();
  }
  return attempt;
}

/**
 * The caller's account as the database has it now, after confirming the session is live;
 * InvalidTokenError('revoked') when the session or the account has ended.
 */
export async function confirmedUser(
  deps: Pick<Deps, 'store' | 'sessions'>,
  signedIn: SignedIn,
): Promise<User> {
  await deps.sessions.confirm(signedIn.session.id, signedIn.user.id);
  const user = await deps.store.findUserById(signedIn.user.id);
  if (!user || user.deletedAt !== null) throw new InvalidTokenError('revoked', 'the session has ended');
  return user;
}

/**
 * The signed-in user as the database has them now, if the session is live and either signed
 * in within RECENT_SIGN_IN seconds or `password` is right. ReauthenticationRequiredError when
 * neither; InvalidCredentialsError for a wrong password (counted); InvalidTokenError('revoked')
 * for a session that has ended.
 */
export async function confirmItIsYou(
  deps: Deps,
  signedIn: SignedIn,
  password: string | undefined,
  meta: RequestMeta,
  readCookie: (name: string) => string | undefined,
  what: string,
): Promise<User> {
  await deps.sessions.confirm(signedIn.session.id, signedIn.user.id);
  const [session, user] = await Promise.all([
    deps.store.findSession(signedIn.session.id),
    deps.store.findUserById(signedIn.user.id),
  ]);
  if (!session || !user || user.deletedAt !== null)
    throw new InvalidTokenError('revoked', 'the session has ended');
  if (password) {
    const attempt = await checkPasswordAgain(deps, user, password, meta, readCookie, {
      sessionId: session.id,
      detail: `wrong password (${what})`,
    });
    // Right, but nothing about the sign-in counters should change for it.
    await attempt.abandoned();
    return user;
  }
  if (deps.clock() - session.createdAt <= RECENT_SIGN_IN * 1000) return user;
  throw new ReauthenticationRequiredError();
}
