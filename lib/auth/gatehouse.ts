import { systemClock, type Clock } from './clock';
import type { AuthConfig } from './config';
import { keyringFor, type Keyring } from './keys';
import { createArgon2Hasher, type PasswordHasher } from './passwords';
import { cryptoRandom, type RandomBytes } from './random';
import { createSessionService, type SessionService } from './sessions';
import type { Store } from './store';

/**
 * One assembled Gatehouse: configuration, keys, store and the sessions service. Built from
 * explicit parts so tests can freeze the clock and use a throwaway database; the Next.js glue
 * (lib/server/runtime.ts) builds the process-wide one from the environment.
 */
export interface Gatehouse {
  readonly config: AuthConfig;
  readonly keyring: Keyring;
  readonly store: Store;
  readonly sessions: SessionService;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly random: RandomBytes;
}

export interface GatehouseParts {
  readonly config: AuthConfig;
  readonly store: Store;
  readonly clock?: Clock;
  readonly random?: RandomBytes;
  readonly hasher?: PasswordHasher;
}

/**
 * Seconds an access token is still accepted past `exp` by server-side checks. The middleware
 * refreshes at the exact expiry; this covers the moment between its check and the page's own
 * (and small clock skew between instances), so a render never fails on a token the middleware
 * just let through.
 */
export const SERVER_CLOCK_TOLERANCE = 5;

export async function createGatehouse(parts: GatehouseParts): Promise<Gatehouse> {
  const keyring = await keyringFor(parts.config.secret, parts.config.previousSecrets);
  const clock = parts.clock ?? systemClock;
  const random = parts.random ?? cryptoRandom;
  const hasher = parts.hasher ?? createArgon2Hasher();
  const sessions = createSessionService({ config: parts.config, keyring, store: parts.store, hasher, clock, random });
  return { config: parts.config, keyring, store: parts.store, sessions, hasher, clock, random };
}
