import { RateLimiterMemory } from 'rate-limiter-flexible';
import { systemClock, type Clock } from '../edge/clock';
import type { AuthConfig } from '../edge/config';
import { keyringFor, type Keyring } from '../edge/keys';
import { limitHashing } from './hash-limit';
import { createArgon2Hasher, type PasswordHasher } from './passwords';
import { cryptoRandom, type RandomBytes } from '../edge/random';
import { createSessionService, type SessionService } from './sessions';
import type { Store } from './store';
import { createThrottle, type CounterSource, type Throttle } from './throttle';

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
  readonly throttle: Throttle;
  readonly clock: Clock;
  readonly random: RandomBytes;
}

export interface GatehouseParts {
  readonly config: AuthConfig;
  readonly store: Store;
  /**
   * Where the sign-in counters live. Every instance must share them (lib/store/limiters.ts:
   * the database or Redis); the in-process default is for tests and single-process tools.
   */
  readonly counters?: CounterSource;
  readonly clock?: Clock;
  readonly random?: RandomBytes;
  readonly hasher?: PasswordHasher;
}

/** Counters in this process only: for tests and tools, never for a server that scales out. */
export const processCounters: () => CounterSource = () => ({ limiter: (o) => new RateLimiterMemory(o) });

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
  const { config } = parts;
  // A ceiling on concurrent hashes, so a flood of sign-ins queues briefly or gets 503 instead
  // of taking the memory and the thread pool from signed-in users.
  const hasher = limitHashing(parts.hasher ?? createArgon2Hasher(), {
    concurrency: config.hashConcurrency,
    queue: config.hashQueue,
  });
  const throttle = createThrottle({
    counters: parts.counters ?? processCounters(),
    keys: keyring.macs,
    config: config.throttle,
    cookieSecure: config.cookieSecure,
    clock,
    random,
  });
  const sessions = createSessionService({ config, keyring, store: parts.store, hasher, throttle, clock, random });
  return { config, keyring, store: parts.store, sessions, hasher, throttle, clock, random };
}
