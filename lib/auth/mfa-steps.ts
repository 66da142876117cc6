import { createHash } from 'node:crypto';
import type { Clock } from '../edge/clock';
import { MfaRequiredError } from '../edge/errors';
import { randomId, type RandomBytes } from '../edge/random';
import type { AuthMethod, Store, User } from './store';

/**
 * The second sign-in step's state: between a right password and a session. A random token,
 * stored only as its SHA-256, valid MFA_STEP_TTL seconds for at most MFA_STEP_TRIES codes, used
 * once. Begun here (by a password sign-in or a one-time link); finished by lib/auth/two-factor.ts.
 */
export const MFA_STEP_TTL = 300;
export const MFA_STEP_TRIES = 5;
const TOKEN_BYTES = 32;
/** 32 bytes in base64url: anything else is refused before the database is asked. */
export const MFA_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function hashStepToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface MfaStepDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: RandomBytes;
}

/** Whether signing in as this user needs the second step (an enabled authenticator-app factor). */
export async function needsSecondStep(store: Store, user: User): Promise<boolean> {
  const totp = await store.findTotp(user.id);
  return totp !== null && totp.enabledAt !== null;
}

/**
 * Stores a new second step for the user and throws MfaRequiredError carrying its token: the
 * caller never reaches the code that would start a session.
 */
export async function beginMfaStep(
  deps: MfaStepDeps,
  user: User,
  firstFactor: readonly AuthMethod[],
): Promise<never> {
  const token = randomId(deps.random, TOKEN_BYTES);
  const now = deps.clock();
  const expiresAt = now + MFA_STEP_TTL * 1000;
  await deps.store.createMfaStep({
    tokenHash: hashStepToken(token),
    userId: user.id,
    firstFactor: firstFactor.join(','),
    passwordEpoch: user.passwordChangedAt,
    createdAt: now,
    expiresAt,
  });
  throw new MfaRequiredError(token, expiresAt, MFA_STEP_TTL);
}
