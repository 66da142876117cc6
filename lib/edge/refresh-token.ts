import { sealData, unsealData } from 'iron-session';
import { InvalidGrantError } from './errors';
import type { Keyring } from './keys';

/**
 * Refresh tokens are opaque to clients: an iron seal (encrypted and authenticated) of
 * `{sid, gen, sub}`. The seal proves we issued it; the session row decides whether it is still
 * good. No token material is stored, so a leaked database cannot mint refresh tokens.
 *
 * The seal carries no expiry of its own (ttl 0): expiry lives in the database, where it can be
 * checked against the injected clock and revoked.
 */
export interface RefreshPayload {
  readonly sid: string;
  /** The session generation this token was issued for; bumped on every rotation. */
  readonly gen: number;
  readonly sub: string;
}

/** Ours are ~250 characters; anything far larger is refused without decrypting it. */
export const MAX_REFRESH_TOKEN_LENGTH = 1024;
const TYPE = 'gatehouse/refresh';

export function sealRefreshToken(keyring: Keyring, payload: RefreshPayload): Promise<string> {
  return sealData(
    { t: TYPE, sid: payload.sid, gen: payload.gen, sub: payload.sub },
    { password: { ...keyring.sealPassword }, ttl: 0 },
  );
}

/** Unseals and shape-checks a refresh token; throws InvalidGrantError('malformed') otherwise. */
export async function unsealRefreshToken(
  keyring: Keyring,
  token: string | undefined | null,
): Promise<RefreshPayload> {
  if (!token || token.length > MAX_REFRESH_TOKEN_LENGTH || !token.startsWith('Fe26.2*')) {
    throw new InvalidGrantError('malformed');
  }
  let data: Record<string, unknown>;
  try {
    data = await unsealData<Record<string, unknown>>(token, {
      password: { ...keyring.unsealPasswords },
      ttl: 0,
    });
  } catch (error) {
    // iron throws on structurally broken seals (bad base64, wrong part count, bad JSON).
    throw new InvalidGrantError('malformed', 'refresh token could not be unsealed', { cause: error });
  }
  const { t, sid, gen, sub } = data;
  if (
    t !== TYPE ||
    typeof sid !== 'string' ||
    typeof sub !== 'string' ||
    typeof gen !== 'number' ||
    !Number.isSafeInteger(gen) ||
    gen < 0
  ) {
    throw new InvalidGrantError('malformed');
  }
  return { sid, gen, sub };
}
